package io.roomcast.room;

import io.roomcast.bus.Bus;
import io.roomcast.bus.Envelope;
import io.roomcast.bus.Position;
import io.roomcast.bus.Stream;
import io.roomcast.refusal.Refusal;
import io.roomcast.refusal.Refusal.Code;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Turns what clients and backends ask for into bus messages, after checking the room rules: only a member of
 * a room may post to it, and a whisper needs both sender and receiver in the room. Membership changes go
 * through here too, so that each user-level join and leave is published exactly once.
 *
 * <p>Thread-safe.
 */
public final class Outbox {
    /** Told of every change to this node's share of presence, under the presence lock, in order. */
    public interface PresenceChanges {
        PresenceChanges NONE = (room, user, delta) -> { };

        void changed(String room, String user, int delta);
    }

    private final Bus bus;
    private final Presence presence;
    private final String node;
    private volatile PresenceChanges changes = PresenceChanges.NONE;
    /**
     * user -> the number of rooms the user is in on this node; guarded by the presence lock. A count, not a
     * set: presence already knows which rooms, and this is one small entry per user.
     */
    private final Map<String, int[]> localRoomCounts = new HashMap<>();

    public Outbox(Bus bus, Presence presence, String node) {
        this.bus = bus;
        this.presence = presence;
        this.node = node;
    }

    /** Where this node's presence changes go besides the local view (the cluster's replication). */
    public void onPresenceChange(PresenceChanges changes) {
        this.changes = changes;
    }

    /** A session of {@code user} on this node subscribed to {@code room}; publishes {@code join} if it is the user's first. */
    public void enter(String room, String user) {
        // The transition and its event are published under the presence lock, so that a join and a leave of
        // the same user can never overtake each other on the way to the bus.
        synchronized (presence) {
            if (presence.sessionsOn(room, user, node) == 0) {
                localRoomCounts.computeIfAbsent(user, u -> new int[1])[0]++;
            }
            boolean first = presence.join(room, user, node);
            changes.changed(room, user, 1);
            if (first) {
                bus.publish(Envelope.roomEvent(room, Envelope.JOIN, user));
            }
        }
    }

    /** A session of {@code user} on this node left {@code room}; publishes {@code leave} if it was the user's last. */
    public void exit(String room, String user) {
        synchronized (presence) {
            boolean lastHere = presence.sessionsOn(room, user, node) == 1;
            boolean last = presence.leave(room, user, node);
            int[] count = localRoomCounts.get(user);
            if (lastHere && count != null && --count[0] == 0) {
                localRoomCounts.remove(user);
            }
            changes.changed(room, user, -1);
            if (last) {
                bus.publish(Envelope.roomEvent(room, Envelope.LEAVE, user));
            }
        }
    }

    /**
     * Checks that {@code user} may enter one more room on this node: at most {@code max} rooms over all their
     * sessions here. Entering a room the user is already in is always allowed. Two sessions of one user
     * entering at the same moment may pass together, so the count can exceed the limit by that many.
     */
    public void checkRoomLimit(String user, String room, int max) throws Refusal {
        synchronized (presence) {
            int[] count = localRoomCounts.get(user);
            if (count != null && count[0] >= max && presence.sessionsOn(room, user, node) == 0) {
                throw new Refusal(Code.TOO_MANY_ROOMS, "user '" + user + "' is in " + count[0]
                        + " rooms on this node, the most allowed (--max-rooms-per-user)");
            }
        }
    }

    /** A member's post to a room. */
    public CompletableFuture<Position> post(String user, String room, String contentType,
                                            Map<String, String> headers, byte[] body) throws Refusal {
        if (!presence.contains(room, user)) {
            throw new Refusal(Code.NOT_A_MEMBER, "you are not in room '" + room
                    + "': SUBSCRIBE to /topic/room." + room + " before posting to it");
        }
        return toRoom(room, user, contentType, headers, body);
    }

    /** A private message from {@code from} to {@code to}, both of whom must be in {@code room}. */
    public CompletableFuture<Position> whisper(String from, String to, String room, String contentType,
                                               Map<String, String> headers, byte[] body) throws Refusal {
        if (!presence.contains(room, from)) {
            throw new Refusal(Code.NOT_A_MEMBER, "you are not in room '" + room + "', so you can't whisper in it");
        }
        if (!presence.contains(room, to)) {
            throw new Refusal(Code.RECIPIENT_NOT_IN_ROOM, "user '" + to + "' is not in room '" + room + "'");
        }
        return bus.publish(new Envelope(Stream.user(to), Envelope.WHISPER, from, room, null, contentType,
                headers, body));
    }

    /** A message to a room from a backend; {@code from} may be null. No membership check. */
    public CompletableFuture<Position> toRoom(String room, String from, String contentType,
                                              Map<String, String> headers, byte[] body) {
        return bus.publish(new Envelope(Stream.room(room), Envelope.MESSAGE, from, room, null, contentType,
                headers, body));
    }

    /** A direct message to every session of {@code user}, on every node. */
    public CompletableFuture<Position> toUser(String user, String from, String contentType,
                                              Map<String, String> headers, byte[] body) {
        return bus.publish(new Envelope(Stream.user(user), Envelope.DIRECT, from, null, null, contentType,
                headers, body));
    }

    /** A message to everyone subscribed to the broadcast stream. */
    public CompletableFuture<Position> broadcast(String from, String contentType, Map<String, String> headers,
                                                 byte[] body) {
        return bus.publish(new Envelope(Stream.BROADCAST, Envelope.MESSAGE, from, null, null, contentType,
                headers, body));
    }
}
