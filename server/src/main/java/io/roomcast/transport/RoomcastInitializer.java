package io.roomcast.transport;

import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.flow.FlowControlHandler;
import io.roomcast.config.Settings;
import io.roomcast.delivery.Outbound;
import io.roomcast.http.HttpApiHandler;
import io.roomcast.http.JsonHttpObjectAggregator;

import java.util.List;

/**
 * Builds each connection's pipeline for its HTTP phase: first-byte watch, HTTP codec, flow control, one
 * exchange at a time with deadlines, aggregator, gate, WebSocket upgrade at {@code /ws}, HTTP API. A
 * successful upgrade turns it into a STOMP pipeline ({@link UpgradeToStomp}). Every connection gets its
 * {@link Outbound} here, before anything can be written to it.
 *
 * <p>Reads take at most a few KiB at a time while a connection speaks HTTP, so that what a pipelining client
 * sends ahead, held by the flow control until its turn, stays small.
 */
public final class RoomcastInitializer extends ChannelInitializer<SocketChannel> {
    public static final String SUBPROTOCOLS = "v12.stomp,v11.stomp,v10.stomp";
    public static final String WEBSOCKET_PATH = "/ws";
    /** The handlers an upgraded connection no longer needs (Netty removes the codec and aggregator itself). */
    static final List<String> HTTP_PHASE = List.of("http-bytes", "http-flow", "http-exchange", "gate", "api");
    private static final int HTTP_READ_BYTES = 8192;

    private final TransportContext node;
    private final HttpApiHandler api;
    private final WebSocketServerProtocolConfig wsConfig;
    private final ChannelGroup channels;
    private final ConnectionGate gate;
    private final UpgradeToStomp upgrade;

    /**
     * @param api      the routes this port serves
     * @param channels every open connection, so that a drain can reach those that never sent CONNECT
     */
    RoomcastInitializer(TransportContext node, HttpApiHandler api, ChannelGroup channels) {
        this.node = node;
        this.api = api;
        this.channels = channels;
        Settings s = node.settings();
        this.wsConfig = WebSocketServerProtocolConfig.newBuilder()
                .websocketPath(WEBSOCKET_PATH)
                .subprotocols(SUBPROTOCOLS)
                .checkStartsWith(false)
                // Close frames come through to the session, so that a client's own close is told apart from a
                // lost connection in the disconnect metrics, and is answered through its outbound.
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
        this.gate = new ConnectionGate(serveWebSocket() ? WEBSOCKET_PATH : null, s.allowedOrigins(), node.limits(),
                node.proxies(), node.metrics());
        this.upgrade = new UpgradeToStomp(node.stomp());
    }

    /** The monitoring port ({@code --metrics-port}) speaks plain HTTP only. */
    private boolean serveWebSocket() {
        return api != node.monitoring();
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        channels.add(ch); // removed again when it closes
        Outbound.attach(ch, node.budget());
        ch.config().setRecvByteBufAllocator(new AdaptiveRecvByteBufAllocator(64, 1024, HTTP_READ_BYTES)
                .maxMessagesPerRead(1));
        Settings s = node.settings();
        HttpExchanges exchanges = new HttpExchanges(s.httpIdleTimeout, s.httpHeaderTimeout, s.httpBodyTimeout,
                node.metrics());
        ChannelPipeline p = ch.pipeline();
        p.addLast("http-bytes", exchanges.bytes());
        p.addLast("http", new HttpServerCodec(4096, 8192, 8192));
        p.addLast("http-flow", new FlowControlHandler());
        p.addLast("http-exchange", exchanges.messages());
        p.addLast("aggregator", new JsonHttpObjectAggregator(s.httpMaxBodyBytes));
        p.addLast("gate", gate);
        if (serveWebSocket()) {
            p.addLast("websocket", new WebSocketServerProtocolHandler(wsConfig));
        }
        p.addLast("api", api);
        p.addLast("upgrade", upgrade);
    }
}
