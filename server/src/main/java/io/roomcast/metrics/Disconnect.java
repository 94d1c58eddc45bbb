package io.roomcast.metrics;

import java.util.Locale;

/** Why a WebSocket connection ended: the {@code reason} label of {@code roomcast_disconnects_total}. */
public enum Disconnect {
    /** The client sent DISCONNECT or closed the WebSocket itself. */
    CLIENT,
    /**
     * The socket went away without a close from either side (network, crash, kill, a reset). A delivery that
     * finds the connection already gone counts nothing: the loss is counted here once, when it ends.
     */
    CONNECTION_LOST,
    /** A malformed or forbidden frame. */
    PROTOCOL_ERROR,
    /** A bad or expired token. */
    AUTH_FAILED,
    /** The connection's token expired and was not refreshed in time ({@code SEND /app/token}). */
    TOKEN_EXPIRED,
    /** An abuse limit: connections per user or IP, sends per second, rooms per user, node full. */
    LIMIT,
    /** No heart-beat from the client in time. */
    HEARTBEAT_TIMEOUT,
    /** No WebSocket upgrade, or no CONNECT frame, in time. */
    HANDSHAKE_TIMEOUT,
    /**
     * An open connection whose queue stayed past {@code --outbound-queue-bytes} for the grace, passed twice
     * it, or whose replay fell out of the history window before it was read.
     */
    SLOW_CONSUMER,
    /** The HTTP API's {@code DELETE /api/users/{user}/sessions}. */
    SERVER_API,
    /** The node is draining for a restart (WebSocket close 1012). */
    RESTART,
    /** An unexpected failure in the node's handling of the connection (logged with its stack trace). */
    ERROR;

    /** The label value: lower case with dashes. */
    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
