package io.roomcast.room;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Who is in which room, with how many sessions, on which node.
 *
 * <p>A user is in a room while at least one of their sessions, on any node, subscribes to it. The
 * {@code join}/{@code leave} methods report the user-level transitions, which is when the node publishes the
 * {@code join} and {@code leave} events.
 *
 * <p>Thread-safe: all methods synchronize on this object. Callers that must order their own side effects
 * with a transition (publishing the event) may synchronize on it too.
 */
public final class Presence {
    /** room -> user -> node -> sessions */
    private final Map<String, Map<String, Map<String, Integer>>> rooms = new HashMap<>();

    /** @return true when this made the user a member (the user had no session in the room on any node) */
    public synchronized boolean join(String room, String user, String node) {
        Map<String, Map<String, Integer>> users = rooms.computeIfAbsent(room, r -> new HashMap<>());
        Map<String, Integer> nodes = users.get(user);
        boolean first = nodes == null;
        if (first) {
            nodes = new HashMap<>(2);
            users.put(user, nodes);
        }
        nodes.merge(node, 1, Integer::sum);
        return first;
    }

    /** @return true when this ended the user's membership (no session in the room left on any node) */
    public synchronized boolean leave(String room, String user, String node) {
        Map<String, Map<String, Integer>> users = rooms.get(room);
        Map<String, Integer> nodes = users == null ? null : users.get(user);
        if (nodes == null || !nodes.containsKey(node)) {
            return false;
        }
        nodes.computeIfPresent(node, (n, count) -> count > 1 ? count - 1 : null);
        if (!nodes.isEmpty()) {
            return false;
        }
        users.remove(user);
        if (users.isEmpty()) {
            rooms.remove(room);
        }
        return true;
    }

    /** {@code user}'s sessions in {@code room} on {@code node}. */
    public synchronized int sessionsOn(String room, String user, String node) {
        Map<String, Map<String, Integer>> users = rooms.get(room);
        Map<String, Integer> nodes = users == null ? null : users.get(user);
        Integer n = nodes == null ? null : nodes.get(node);
        return n == null ? 0 : n;
    }

    public synchronized boolean contains(String room, String user) {
        Map<String, Map<String, Integer>> users = rooms.get(room);
        return users != null && users.containsKey(user);
    }

    /** The members of {@code room}, sorted by user id. */
    public synchronized List<Member> members(String room) {
        Map<String, Map<String, Integer>> users = rooms.getOrDefault(room, Map.of());
        List<Member> members = new ArrayList<>(users.size());
        new TreeMap<>(users).forEach((user, nodes) -> members.add(new Member(user,
                nodes.values().stream().mapToInt(Integer::intValue).sum(), List.copyOf(new TreeSet<>(nodes.keySet())))));
        return members;
    }

    /** The members of {@code room} as the HTTP API and the STOMP presence query answer them. */
    public View view(String room) {
        return new View(room, members(room));
    }

    /** What {@code node} contributes: room -> user -> sessions. A copy. */
    public synchronized Map<String, Map<String, Integer>> snapshotOf(String node) {
        Map<String, Map<String, Integer>> out = new TreeMap<>();
        rooms.forEach((room, users) -> users.forEach((user, nodes) -> {
            Integer n = nodes.get(node);
            if (n != null) {
                out.computeIfAbsent(room, r -> new TreeMap<>()).put(user, n);
            }
        }));
        return out;
    }

    /**
     * Replaces everything {@code node} contributes with {@code snapshot} (room -> user -> sessions).
     *
     * @return the memberships that ended because of it (the user is now in the room on no node)
     */
    public synchronized List<RoomUser> replaceNode(String node, Map<String, Map<String, Integer>> snapshot) {
        List<RoomUser> ended = removeNode(node);
        snapshot.forEach((room, users) -> users.forEach((user, count) -> {
            if (count > 0) {
                rooms.computeIfAbsent(room, r -> new HashMap<>()).computeIfAbsent(user, u -> new HashMap<>(2))
                        .put(node, count);
            }
        }));
        ended.removeIf(ru -> contains(ru.room(), ru.user()));
        return ended;
    }

    /** Forgets {@code node}; @return the memberships that ended because of it */
    public synchronized List<RoomUser> removeNode(String node) {
        List<RoomUser> ended = new ArrayList<>();
        for (var roomIt = rooms.entrySet().iterator(); roomIt.hasNext(); ) {
            var room = roomIt.next();
            for (var userIt = room.getValue().entrySet().iterator(); userIt.hasNext(); ) {
                var user = userIt.next();
                if (user.getValue().remove(node) != null && user.getValue().isEmpty()) {
                    userIt.remove();
                    ended.add(new RoomUser(room.getKey(), user.getKey()));
                }
            }
            if (room.getValue().isEmpty()) {
                roomIt.remove();
            }
        }
        return ended;
    }

    /** The number of rooms with at least one member. */
    public synchronized int roomCount() {
        return rooms.size();
    }

    /** Every room with its number of members, sorted by room id. */
    public synchronized Map<String, Integer> roomSizes() {
        Map<String, Integer> sizes = new TreeMap<>();
        rooms.forEach((room, users) -> sizes.put(room, users.size()));
        return sizes;
    }

    /** A room's members, in DESIGN.md's field order: {@code {"room": ..., "users": [...]}}. */
    public record View(String room, List<Member> users) {
    }

    /** A user in a room. */
    public record RoomUser(String room, String user) {
    }

    /**
     * One member of a room.
     *
     * @param sessions the user's sessions subscribed to the room, over all nodes
     * @param nodes    the nodes holding those sessions
     */
    public record Member(String user, int sessions, List<String> nodes) {
    }
}
