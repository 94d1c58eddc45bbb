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

    /** Every room with its number of members, sorted by room id. */
    public synchronized Map<String, Integer> roomSizes() {
        Map<String, Integer> sizes = new TreeMap<>();
        rooms.forEach((room, users) -> sizes.put(room, users.size()));
        return sizes;
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
