package io.roomcast.transport;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.roomcast.config.Settings;
import io.roomcast.http.HttpApiHandler;
import io.roomcast.http.JsonHttpObjectAggregator;
import io.roomcast.node.Node;
import io.roomcast.session.Channels;
import io.roomcast.session.StompSessionHandler;
import io.roomcast.stomp.StompDecoder;
import io.netty.channel.group.ChannelGroup;

/**
 * Builds each connection's pipeline:
 * HTTP codec, aggregator, WebSocket upgrade at {@code /ws}, HTTP API (for everything that is not an upgrade),
 * then for WebSocket traffic: frame bytes, STOMP decoder, session.
 */
public final class RoomcastInitializer extends ChannelInitializer<SocketChannel> {
    public static final String SUBPROTOCOLS = "v12.stomp,v11.stomp,v10.stomp";
    public static final String WEBSOCKET_PATH = "/ws";

    private final Node node;
    private final HttpApiHandler api;
    private final WebSocketServerProtocolConfig wsConfig;
    private final ChannelGroup channels;
    private final HandshakeGate gate;

    /** @param channels every open connection, so that a drain can reach those that never sent CONNECT */
    public RoomcastInitializer(Node node, ChannelGroup channels) {
        this.node = node;
        this.channels = channels;
        this.api = new HttpApiHandler(node);
        Settings s = node.settings();
        this.wsConfig = WebSocketServerProtocolConfig.newBuilder()
                .websocketPath(WEBSOCKET_PATH)
                .subprotocols(SUBPROTOCOLS)
                .checkStartsWith(false)
                // Close frames come through to WebSocketFrameBytes, so that a client's own close is told apart
                // from a lost connection in the disconnect metrics.
                .handleCloseFrames(false)
                .handshakeTimeoutMillis(s.connectTimeout.toMillis())
                .decoderConfig(WebSocketDecoderConfig.newBuilder()
                        // The STOMP decoder enforces the real limit and answers with an ERROR frame; this only
                        // stops a single absurd WebSocket frame before it is buffered.
                        .maxFramePayloadLength(s.maxFrameBytes + 64 * 1024)
                        .allowExtensions(false)
                        .withUTF8Validator(false)
                        .build())
                .build();
        this.gate = new HandshakeGate(WEBSOCKET_PATH, s.allowedOrigins(), node.connectionLimits(),
                node.trustedProxies(), node.metrics());
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        channels.add(ch); // removed again when it closes
        Settings s = node.settings();
        ChannelPipeline p = ch.pipeline();
        p.addLast("http", new HttpServerCodec(4096, 8192, 8192));
        p.addLast("aggregator", new JsonHttpObjectAggregator(s.httpMaxBodyBytes));
        p.addLast("gate", gate);
        p.addLast("websocket", new WebSocketServerProtocolHandler(wsConfig));
        p.addLast(Channels.HTTP_API_HANDLER, api);
        p.addLast("frame-bytes", WebSocketFrameBytes.INSTANCE);
        p.addLast("stomp-decoder", new StompDecoder(s.stompLimits()));
        p.addLast("session", new StompSessionHandler(node));
    }
}
