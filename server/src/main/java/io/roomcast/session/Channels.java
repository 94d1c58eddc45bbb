package io.roomcast.session;

import io.netty.util.AttributeKey;

/** Channel attributes shared by the transport's handlers. */
public final class Channels {
    /** The channel has sent at least one plain HTTP request. */
    public static final AttributeKey<Boolean> HTTP_SEEN = AttributeKey.valueOf("roomcast.httpSeen");
    /** The channel completed the WebSocket handshake. */
    public static final AttributeKey<Boolean> UPGRADED = AttributeKey.valueOf("roomcast.upgraded");

    /** The client sent a WebSocket close frame (it ended the connection, not the network). */
    public static final AttributeKey<Boolean> CLIENT_CLOSED = AttributeKey.valueOf("roomcast.clientClosed");

    /** The client's address, as the trusted proxies tell it (set by the transport's gate before the handshake). */
    public static final AttributeKey<String> CLIENT_ADDRESS = AttributeKey.valueOf("roomcast.clientAddress");

    /** The pipeline name of the HTTP API handler, which an upgraded socket no longer needs. */
    public static final String HTTP_API_HANDLER = "api";

    private Channels() {
    }
}
