package io.roomcast.transport;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.roomcast.http.Responses;
import io.roomcast.limits.ConnectionLimits;
import io.roomcast.limits.TrustedProxies;
import io.roomcast.metrics.NodeMetrics;
import io.roomcast.refusal.Refusal;
import io.roomcast.refusal.Refusal.Code;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.util.List;
import java.util.Locale;

/**
 * Decides whether a request may proceed. A WebSocket upgrade, before Netty's handshake runs: a browser's
 * {@code Origin} must be allowed, and the client's address (from {@code X-Forwarded-For} only when the peer is
 * a trusted proxy) must be within its connection count and connect rate, and the node within its total. A
 * connection's first plain HTTP request: its address must be within its HTTP connection count. A refusal is
 * an HTTP error with a JSON body naming the limit; the connection then closes.
 */
@ChannelHandler.Sharable
final class ConnectionGate extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ConnectionGate.class);

    private final String websocketPath;
    private final List<String> allowedOrigins;
    private final boolean anyOrigin;
    private final ConnectionLimits limits;
    private final TrustedProxies proxies;
    private final NodeMetrics metrics;

    /**
     * @param websocketPath  the upgrade's path, or null on a port without WebSocket
     * @param allowedOrigins origins such as {@code https://chat.example.com}, or {@code *}; empty: same origin only
     */
    ConnectionGate(String websocketPath, List<String> allowedOrigins, ConnectionLimits limits, TrustedProxies proxies,
                  NodeMetrics metrics) {
        this.websocketPath = websocketPath;
        this.allowedOrigins = allowedOrigins.stream().map(o -> o.toLowerCase(Locale.ROOT)).toList();
        this.anyOrigin = allowedOrigins.contains("*");
        this.limits = limits;
        this.proxies = proxies;
        this.metrics = metrics;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        // Every request Netty's WebSocket handler will take, whatever its Upgrade header says: the handler
        // matches on the URI alone (checkStartsWith off) and judges the headers itself, so a narrower test here
        // would let some handshakes past the limits.
        if (!(msg instanceof FullHttpRequest request)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (request.decoderResult().isFailure()) {
            request.release();
            Responses.error(ctx, new Refusal(Code.BAD_REQUEST, "malformed HTTP request: "
                    + request.decoderResult().cause().getMessage()), false);
            return;
        }
        boolean upgrade = websocketPath != null && request.uri().equals(websocketPath);
        if (!upgrade && ctx.channel().hasAttr(TrustedProxies.CLIENT_ADDRESS)) {
            ctx.fireChannelRead(request); // a later request on an HTTP connection already admitted
            return;
        }
        String address = proxies.clientAddress(ctx.channel().remoteAddress(),
                request.headers().get("X-Forwarded-For"));
        String origin = request.headers().get(HttpHeaderNames.ORIGIN);
        if (upgrade && origin != null && !originAllowed(origin, request.headers().get(HttpHeaderNames.HOST))) {
            request.release();
            metrics.limitTriggered("origin");
            refuse(ctx, address, new Refusal(Code.ORIGIN_NOT_ALLOWED, "origin " + origin
                    + " may not open WebSockets here; the node allows "
                    + (allowedOrigins.isEmpty() ? "its own origin only" : String.join(", ", allowedOrigins))
                    + " (--allowed-origins)"));
            return;
        }
        ConnectionLimits.Admission admission;
        try {
            admission = upgrade ? limits.admit(address) : limits.admitHttp(address);
        } catch (Refusal r) {
            request.release();
            metrics.limitTriggered(r.code().code());
            refuse(ctx, address, r);
            return;
        }
        ctx.channel().attr(TrustedProxies.CLIENT_ADDRESS).set(address);
        ctx.channel().closeFuture().addListener(admission); // releases it; the one reference to it
        ctx.fireChannelRead(request);
    }

    /**
     * Listed origins, or {@code *}, or with no list the node's own origin: the {@code Origin}'s host (and port,
     * when the {@code Host} header names one) equals the {@code Host} the request was sent to.
     */
    boolean originAllowed(String origin, String host) {
        String o = origin.toLowerCase(Locale.ROOT);
        if (anyOrigin || allowedOrigins.contains(o)) {
            return true;
        }
        if (!allowedOrigins.isEmpty() || host == null) {
            return false;
        }
        try {
            URI uri = URI.create(o);
            if (uri.getHost() == null) {
                return false;
            }
            String h = host.toLowerCase(Locale.ROOT);
            boolean hostHasPort = h.lastIndexOf(':') > h.lastIndexOf(']');
            if (!hostHasPort) {
                return uri.getHost().equals(h);
            }
            int port = uri.getPort() != -1 ? uri.getPort() : "https".equals(uri.getScheme()) ? 443 : 80;
            return (uri.getHost() + ":" + port).equals(h);
        } catch (IllegalArgumentException malformed) {
            return false;
        }
    }

    /** At debug, like every limit: an abuser would otherwise write the log; the limits metric counts them. */
    private static void refuse(ChannelHandlerContext ctx, String address, Refusal r) {
        log.debug("refused a request from {}: {}: {}", address, r.code(), r.getMessage());
        Responses.error(ctx, r, false);
    }
}
