package io.roomcast.cluster;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.Map;

/**
 * What nodes tell each other on the control stream, as JSON.
 *
 * <ul>
 *   <li>{@code heartbeat}: the node is alive; {@code rooms} is everything it contributes to presence
 *       (room -> user -> sessions), so a node that joins late learns the whole picture within one interval.</li>
 *   <li>{@code delta}: one session of {@code user} entered ({@code delta} +1) or left (-1) {@code room}, sent at
 *       once so that presence converges faster than the heartbeat.</li>
 *   <li>{@code left}: the node is shutting down; forget it now instead of waiting for the timeout.</li>
 *   <li>{@code disconnect}: close every session of {@code user} (the HTTP API's DELETE, cluster-wide).</li>
 * </ul>
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ControlMessage(String type, String node, String version, Integer connections,
                             Map<String, Map<String, Integer>> rooms, String room, String user, Integer delta) {
    public static final String HEARTBEAT = "heartbeat";
    public static final String DELTA = "delta";
    public static final String LEFT = "left";
    public static final String DISCONNECT = "disconnect";

    static ControlMessage heartbeat(String node, String version, int connections,
                                    Map<String, Map<String, Integer>> rooms) {
        return new ControlMessage(HEARTBEAT, node, version, connections, rooms, null, null, null);
    }

    static ControlMessage delta(String node, String room, String user, int delta) {
        return new ControlMessage(DELTA, node, null, null, null, room, user, delta);
    }

    static ControlMessage disconnect(String node, String user) {
        return new ControlMessage(DISCONNECT, node, null, null, null, null, user, null);
    }

    static ControlMessage left(String node) {
        return new ControlMessage(LEFT, node, null, null, null, null, null, null);
    }
}
