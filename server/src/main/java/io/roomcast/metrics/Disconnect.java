package io.roomcast.metrics;

import java.util.Locale;

/** Why a WebSocket connection ended: the {@code reason} label of {@code roomcast_disconnects_total}. */
public enum Disconnect {
    /** The client sent DISCONNECT or closed the WebSocket itself. */
    CLIENT,
    /** The socket went away without a close from either side (network, crash, kill). */
    CONNECTION_LOST,
    /** A malformed or forbidden frame. */
    PROTOCOL_ERROR,
    /** A bad or expired token. */
    AUTH_FAILED,
    /** An abuse limit: connections per user or IP, sends per second, rooms per user, node full. */
    LIMIT,
    /** No heart-beat from the client in time. */
    HEARTBEAT_TIMEOUT,
    /** No WebSocket upgrade, or no CONNECT frame, in time. */
    HANDSHAKE_TIMEOUT,
    /** Its outbound queue passed {@code --outbound-queue-bytes}. */
    SLOW_CONSUMER,
    /** The HTTP API's {@code DELETE /api/users/{user}/sessions}. */
    SERVER_API,
    /** The node is draining for a restart (WebSocket close 1012). */
    RESTART;

    /** The label value: lower case with dashes. */
    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
