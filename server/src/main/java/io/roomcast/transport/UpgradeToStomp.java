package io.roomcast.transport;

import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.websocketx.WebSocketFrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.flow.FlowControlHandler;
import io.roomcast.delivery.Outbound;
import io.roomcast.limits.TrustedProxies;
import io.roomcast.session.StompContext;
import io.roomcast.session.StompSessionHandler;
import io.roomcast.stomp.StompDecoder;
import io.roomcast.stomp.StompLimits;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Once the WebSocket handshake is done, turns the connection's pipeline from HTTP to STOMP, as Netty's own
 * STOMP-over-WebSocket example does: the HTTP handlers go, and frame bytes, the STOMP decoder, flow control and
 * the session come. Until then a connection has no session at all.
 *
 * <p>Sharable: it keeps nothing per connection.
 */
@ChannelHandler.Sharable
final class UpgradeToStomp extends ChannelInboundHandlerAdapter {
    private final StompContext stomp;
    private final StompLimits limits;

    UpgradeToStomp(StompContext stomp) {
        this.stomp = stomp;
        this.limits = stomp.settings().stompLimits();
    }

    /** The handshake's headers the connect proxy may see; none are kept without one. */
    private Map<String, String> forTheConnectProxy(WebSocketServerProtocolHandler.HandshakeComplete handshake) {
        if (stomp.connectProxy() == null) {
            return Map.of();
        }
        Map<String, String> kept = new LinkedHashMap<>();
        for (String name : stomp.settings().connectProxyHeaders()) {
            String value = handshake.requestHeaders().get(name);
            if (value != null) {
                kept.put(name, value);
            }
        }
        return kept;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (!(evt instanceof WebSocketServerProtocolHandler.HandshakeComplete handshake)) {
            super.userEventTriggered(ctx, evt);
            return;
        }
        ChannelPipeline p = ctx.pipeline();
        for (String http : RoomcastInitializer.HTTP_PHASE) {
            if (p.get(http) != null) {
                p.remove(http);
            }
        }
        ChannelHandlerContext frames = p.context(WebSocketFrameDecoder.class);
        if (frames != null) {
            p.addAfter(frames.name(), "pings", Pings.INSTANCE);
        }
        p.addLast("frame-bytes", WebSocketFrameBytes.INSTANCE);
        p.addLast("stomp-decoder", new StompDecoder(limits));
        // Holds decoded frames while the session has stopped reading (its outbound is past its budget), so that
        // the requests already read are not answered into a queue the client isn't reading.
        p.addLast("stomp-flow", new FlowControlHandler());
        p.addLast("session", new StompSessionHandler(stomp, ctx.channel().attr(TrustedProxies.CLIENT_ADDRESS).get(),
                forTheConnectProxy(handshake)));
        ctx.channel().config().setRecvByteBufAllocator(new AdaptiveRecvByteBufAllocator());
        p.remove(this);
        Outbound.of(ctx.channel()).releaseReads();
    }
}
