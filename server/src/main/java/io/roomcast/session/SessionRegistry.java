package io.roomcast.session;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToLongFunction;

/**
 * The connected sessions of this node, by user. Thread-safe: sessions come and go on every event loop, and
 * the HTTP API reads it from any of them.
 */
public final class SessionRegistry {
    private final ConcurrentHashMap<String, Set<Session>> byUser = new ConcurrentHashMap<>();
    private final AtomicInteger count = new AtomicInteger();

    /**
     * Adds a connected session unless its user already has {@code maxPerUser} sessions here.
     *
     * @return false when the user is at the limit
     */
    public boolean add(Session session, int maxPerUser) {
        boolean[] added = {false};
        byUser.compute(session.user(), (user, sessions) -> {
            Set<Session> set = sessions != null ? sessions : ConcurrentHashMap.newKeySet(2);
            if (set.size() < maxPerUser) {
                added[0] = set.add(session);
            }
            return set.isEmpty() ? null : set;
        });
        if (added[0]) {
            count.incrementAndGet();
        }
        return added[0];
    }

    public void remove(Session session) {
        boolean[] removed = {false};
        byUser.computeIfPresent(session.user(), (user, sessions) -> {
            removed[0] = sessions.remove(session);
            return sessions.isEmpty() ? null : sessions;
        });
        if (removed[0]) {
            count.decrementAndGet();
        }
    }

    /** A snapshot of {@code user}'s sessions on this node. */
    public List<Session> sessionsOf(String user) {
        Set<Session> sessions = byUser.get(user);
        return sessions == null ? List.of() : List.copyOf(sessions);
    }

    /** Connected sessions on this node. */
    public int count() {
        return count.get();
    }

    /**
     * Subscriptions over all sessions, for metrics. Walks every session (read when scraped, not on a hot
     * path); a session's count is read outside its loop, so it may be a moment old.
     */
    public int subscriptionCount() {
        return (int) sum(Session::subscriptionCount);
    }

    /** Bytes queued for writing over all sessions, for metrics; read when scraped. */
    public long pendingOutboundBytes() {
        return sum(Session::pendingOutboundBytes);
    }

    private long sum(ToLongFunction<Session> value) {
        long n = 0;
        for (Set<Session> sessions : byUser.values()) {
            for (Session s : sessions) {
                n += value.applyAsLong(s);
            }
        }
        return n;
    }

    /** A snapshot of every session, for shutdown. */
    public List<Session> all() {
        return byUser.values().stream().flatMap(Set::stream).toList();
    }
}
