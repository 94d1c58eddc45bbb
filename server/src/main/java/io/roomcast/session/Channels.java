package io.roomcast.session;

import io.netty.util.AttributeKey;

/** Channel attributes shared by the transport's handlers. */
public final class Channels {
    /** The channel has sent at least one plain HTTP request. */
    public static final AttributeKey<Boolean> HTTP_SEEN = AttributeKey.valueOf("roomcast.httpSeen");
    /** The channel completed the WebSocket handshake. */
    public static final AttributeKey<Boolean> UPGRADED = AttributeKey.valueOf("roomcast.upgraded");

    private Channels() {
    }
}
