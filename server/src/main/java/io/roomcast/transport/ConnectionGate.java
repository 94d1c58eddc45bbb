package io.roomcast.transport;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.AttributeKey;
import io.roomcast.http.ApiException;
import io.roomcast.http.Responses;
import io.roomcast.limits.ConnectionLimits;
import io.roomcast.limits.LimitExceeded;
import io.roomcast.limits.TrustedProxies;
import io.roomcast.metrics.NodeMetrics;

import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Decides whether a request may proceed. A WebSocket upgrade, before Netty's handshake runs: a browser's
 * {@code Origin} must be allowed, and the client's address (from {@code X-Forwarded-For} only when the peer is
 * a trusted proxy) must be within its connection count and connect rate, and the node within its total. A
 * connection's first plain HTTP request: its address must be within its HTTP connection count. A refusal is
 * an HTTP error with a JSON body naming the limit; the connection then closes.
 */
@ChannelHandler.Sharable
final class ConnectionGate extends ChannelInboundHandlerAdapter {
    /** The client's address, as the trusted proxies tell it, once a request has been admitted. */
    static final AttributeKey<String> CLIENT_ADDRESS = AttributeKey.valueOf("roomcast.clientAddress");

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
            Responses.error(ctx, new ApiException(HttpResponseStatus.BAD_REQUEST, "bad-request", "malformed HTTP"
                    + " request: " + request.decoderResult().cause().getMessage()), false);
            return;
        }
        boolean upgrade = websocketPath != null && request.uri().equals(websocketPath);
        if (!upgrade && ctx.channel().hasAttr(CLIENT_ADDRESS)) {
            ctx.fireChannelRead(request); // a later request on an HTTP connection already admitted
            return;
        }
        String origin = request.headers().get(HttpHeaderNames.ORIGIN);
        if (upgrade && origin != null && !originAllowed(origin, request.headers().get(HttpHeaderNames.HOST))) {
            request.release();
            metrics.limitTriggered("origin");
            refuse(ctx, HttpResponseStatus.FORBIDDEN, "origin-not-allowed", "origin " + origin
                    + " may not open WebSockets here; the node allows "
                    + (allowedOrigins.isEmpty() ? "its own origin only" : String.join(", ", allowedOrigins))
                    + " (--allowed-origins)");
            return;
        }
        String address = proxies.clientAddress(ctx.channel().remoteAddress(),
                request.headers().get("X-Forwarded-For"));
        ConnectionLimits.Admission admission;
        try {
            admission = upgrade ? limits.admit(address) : limits.admitHttp(address);
        } catch (LimitExceeded e) {
            request.release();
            metrics.limitTriggered(e.limit());
            refuse(ctx, HttpResponseStatus.valueOf(e.httpStatus()), e.limit(), e.getMessage());
            return;
        }
        ctx.channel().attr(CLIENT_ADDRESS).set(address);
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

    private static void refuse(ChannelHandlerContext ctx, HttpResponseStatus status, String code, String message) {
        Responses.json(ctx, status, Map.of("error", code, "message", message), false);
    }
}
