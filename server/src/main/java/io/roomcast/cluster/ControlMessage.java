package io.roomcast.cluster;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.Map;

/**
 * What nodes tell each other on the control stream, as JSON.
 *
 * <p>Presence travels as numbered changes. Every change to a node's share of presence gets the next
 * {@code seq} of that node's {@code incarnation} (a random id per process). Heartbeats carry only the last
 * {@code seq}, so they stay a few bytes whatever the number of users; a node that sees a gap, an unknown
 * node or a new incarnation asks that node for a {@code snapshot}. The control stream is one ordered
 * partition, so a heartbeat always comes after the changes it counts.
 *
 * <ul>
 *   <li>{@code heartbeat}: the node is alive, with its version, connection count, incarnation and last seq.</li>
 *   <li>{@code snapshot}: a heartbeat that also carries everything the node contributes to presence
 *       ({@code rooms}: room -> user -> sessions) as of {@code seq}. Sent when a node starts, when asked, and
 *       after a change could not be published.</li>
 *   <li>{@code delta}: change number {@code seq}: one session of {@code user} entered ({@code delta} +1) or
 *       left (-1) {@code room}.</li>
 *   <li>{@code sync}: {@code node} asks node {@code to} for a snapshot.</li>
 *   <li>{@code left}: the node is shutting down; forget it now instead of waiting for the timeout.</li>
 *   <li>{@code disconnect}: close every session of {@code user} (the HTTP API's DELETE, cluster-wide).</li>
 * </ul>
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ControlMessage(String type, String node, String version, Integer connections, String incarnation,
                             Long seq, Map<String, Map<String, Integer>> rooms, String room, String user,
                             Integer delta, String to) {
    public static final String HEARTBEAT = "heartbeat";
    public static final String SNAPSHOT = "snapshot";
    public static final String DELTA = "delta";
    public static final String SYNC = "sync";
    public static final String LEFT = "left";
    public static final String DISCONNECT = "disconnect";

    static ControlMessage heartbeat(String node, String version, int connections, String incarnation, long seq) {
        return new ControlMessage(HEARTBEAT, node, version, connections, incarnation, seq, null, null, null, null,
                null);
    }

    static ControlMessage snapshot(String node, String version, int connections, String incarnation, long seq,
                                   Map<String, Map<String, Integer>> rooms) {
        return new ControlMessage(SNAPSHOT, node, version, connections, incarnation, seq, rooms, null, null, null,
                null);
    }

    static ControlMessage delta(String node, long seq, String room, String user, int delta) {
        return new ControlMessage(DELTA, node, null, null, null, seq, null, room, user, delta, null);
    }

    static ControlMessage sync(String node, String to) {
        return new ControlMessage(SYNC, node, null, null, null, null, null, null, null, null, to);
    }

    static ControlMessage disconnect(String node, String user) {
        return new ControlMessage(DISCONNECT, node, null, null, null, null, null, null, user, null, null);
    }

    static ControlMessage left(String node) {
        return new ControlMessage(LEFT, node, null, null, null, null, null, null, null, null, null);
    }
}
