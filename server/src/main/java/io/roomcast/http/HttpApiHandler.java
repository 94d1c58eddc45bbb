package io.roomcast.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.roomcast.metrics.NodeMetrics;
import io.roomcast.bus.BusUnavailableException;
import io.roomcast.bus.Envelope;
import io.roomcast.bus.Ids;
import io.roomcast.bus.Position;
import io.roomcast.failure.FatalErrors;
import io.roomcast.limits.TrustedProxies;
import io.roomcast.refusal.Refusal;
import io.roomcast.refusal.Refusal.Code;
import io.roomcast.room.ApplicationHeaders;
import io.roomcast.session.Destination;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import io.roomcast.bus.MessageTooLargeException;

/**
 * The publish/admin HTTP API, health checks, metrics and the demo page. Routes are matched on path segments;
 * each route is one short method. Every failure becomes a {@link Refusal} and is answered in one place.
 *
 * <p>Sharable and thread-safe: it holds no per-connection state. One instance serves the main port; with
 * {@code --metrics-port}, another serves only the monitoring routes there.
 */
@ChannelHandler.Sharable
public final class HttpApiHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    /** Which routes a port serves. */
    public enum Routes { ALL, MONITORING }

    private static final Logger log = LoggerFactory.getLogger(HttpApiHandler.class);

    private final HttpContext node;
    private final Routes routes;
    private final byte[] apiKey;
    private final byte[] metricsKey;
    private final StaticFiles files = new StaticFiles();

    public HttpApiHandler(HttpContext node, Routes routes) {
        this.node = node;
        this.routes = routes;
        this.apiKey = node.apiKey().getBytes(StandardCharsets.UTF_8);
        this.metricsKey = node.settings().metricsKey == null ? null
                : node.settings().metricsKey.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        if (request.decoderResult().isFailure()) {
            respondError(ctx, new Refusal(Code.BAD_REQUEST,
                    "malformed HTTP request: " + request.decoderResult().cause().getMessage()), false);
            return;
        }
        try {
            route(ctx, request, keepAlive);
        } catch (Refusal r) {
            if (r.code() == Code.UNAUTHORIZED || r.code() == Code.FORBIDDEN) {
                log.info("refused {} {} from {}: {}", request.method(), new QueryStringDecoder(request.uri()).path(),
                        TrustedProxies.clientAddressOf(ctx.channel()), r.getMessage());
            }
            respondError(ctx, r, keepAlive);
        }
    }

    private void route(ChannelHandlerContext ctx, FullHttpRequest request, boolean keepAlive) throws Refusal {
        String path = new QueryStringDecoder(request.uri()).path();
        HttpMethod method = request.method();
        switch (path) {
            case "/health/live" -> {
                allow(method, HttpMethod.GET);
                Responses.json(ctx, HttpResponseStatus.OK, Map.of("status", "live", "node", node.nodeId()), keepAlive);
                return;
            }
            case "/health/ready" -> {
                allow(method, HttpMethod.GET);
                ready(ctx, keepAlive);
                return;
            }
            case "/metrics" -> {
                allow(method, HttpMethod.GET);
                metrics(ctx, request, keepAlive);
                return;
            }
            default -> {
            }
        }
        if (routes == Routes.MONITORING) {
            throw new Refusal(Code.NOT_FOUND, "no route for " + path
                    + " on the monitoring port: it serves /metrics, /health/live and /health/ready");
        }
        List<String> s = List.of(path.replaceAll("^/+|/+$", "").split("/+"));
        if (path.equals("/info")) {
            allow(method, HttpMethod.GET);
            Responses.json(ctx, HttpResponseStatus.OK, clientInfo(), keepAlive);
        } else if (s.get(0).equals("api")) {
            authorize(request, apiKey, "API key");
            reply(ctx, api(s, method, request), keepAlive);
        } else if (s.get(0).equals("test") && node.testHooks()) {
            authorize(request, apiKey, "API key");
            reply(ctx, TestHooks.handle(request), keepAlive);
        } else if (files.has(path)) {
            files.serve(ctx, request, path, keepAlive);
        } else {
            throw new Refusal(Code.NOT_FOUND, "no route for " + path);
        }
    }

    private void ready(ChannelHandlerContext ctx, boolean keepAlive) {
        String notReady = node.notReady().get();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", notReady == null ? "ready" : "not-ready");
        body.put("node", node.nodeId());
        if (notReady != null) {
            body.put("reason", notReady);
        }
        Responses.json(ctx, notReady == null ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE, body,
                keepAlive);
    }

    /**
     * Open like the health checks unless {@code --metrics-key} is set: scrapers sit inside the operator's
     * network, and deploy/nginx/roomcast.conf keeps the path private. Served from {@link ScrapeCache}.
     */
    private void metrics(ChannelHandlerContext ctx, FullHttpRequest request, boolean keepAlive) throws Refusal {
        if (routes == Routes.ALL && node.settings().metricsPort != null) {
            throw new Refusal(Code.NOT_FOUND, "/metrics is served on the"
                    + " monitoring port (--metrics-port), not this one");
        }
        if (metricsKey != null) {
            authorize(request, metricsKey, "metrics key (--metrics-key)");
        }
        node.metricsPage().page().whenComplete((page, failure) -> {
            if (failure == null) {
                Responses.text(ctx, HttpResponseStatus.OK, NodeMetrics.contentType(), page, keepAlive);
            } else {
                respondError(ctx, toRefusal(failure), keepAlive);
            }
        });
    }

    private void reply(ChannelHandlerContext ctx, CompletableFuture<?> answer, boolean keepAlive) {
        answer.whenComplete((body, failure) -> {
            if (failure == null) {
                Responses.json(ctx, HttpResponseStatus.OK, body, keepAlive);
            } else {
                respondError(ctx, toRefusal(failure), keepAlive);
            }
        });
    }

    private CompletableFuture<?> api(List<String> s, HttpMethod method, FullHttpRequest request) throws Refusal {
        String path = "/" + String.join("/", s);
        if (s.size() == 4 && s.get(1).equals("rooms") && s.get(3).equals("messages")) {
            allow(method, HttpMethod.POST);
            Publish p = Publish.parse(request, node.settings().maxBodyBytes);
            return positionOf(node.outbox().toRoom(room(s.get(2)), p.from(), p.contentType(), p.headers(), p.body()));
        }
        if (s.size() == 4 && s.get(1).equals("rooms") && s.get(3).equals("presence")) {
            allow(method, HttpMethod.GET);
            String room = room(s.get(2));
            return CompletableFuture.completedFuture(node.presence().view(room));
        }
        if (s.size() == 2 && s.get(1).equals("rooms")) {
            allow(method, HttpMethod.GET);
            return CompletableFuture.completedFuture(Map.of("rooms", node.presence().roomSizes()));
        }
        if (s.size() == 4 && s.get(1).equals("users") && s.get(3).equals("messages")) {
            allow(method, HttpMethod.POST);
            Publish p = Publish.parse(request, node.settings().maxBodyBytes);
            return positionOf(node.outbox().toUser(user(s.get(2)), p.from(), p.contentType(), p.headers(), p.body()));
        }
        if (s.size() == 4 && s.get(1).equals("users") && s.get(3).equals("sessions")) {
            allow(method, HttpMethod.DELETE);
            return CompletableFuture.completedFuture(disconnect(user(s.get(2))));
        }
        if (s.size() == 2 && s.get(1).equals("broadcast")) {
            allow(method, HttpMethod.POST);
            Publish p = Publish.parse(request, node.settings().maxBodyBytes);
            return positionOf(node.outbox().broadcast(p.from(), p.contentType(), p.headers(), p.body()));
        }
        if (s.size() == 2 && s.get(1).equals("nodes")) {
            allow(method, HttpMethod.GET);
            return CompletableFuture.completedFuture(Map.of("nodes", nodeInfos()));
        }
        throw new Refusal(Code.NOT_FOUND, "no route for " + path);
    }

    /** What a browser client needs before it connects; no secrets, so no key. */
    private Map<String, Object> clientInfo() {
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("node", node.nodeId());
        info.put("version", node.version());
        info.put("auth", node.settings().auth.name());
        return info;
    }

    private List<Map<String, Object>> nodeInfos() {
        return node.nodes().get().stream().map(n -> {
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("node", n.node());
            info.put("version", n.version());
            info.put("connections", n.connections());
            info.put("self", n.node().equals(node.nodeId()));
            if (n.node().equals(node.nodeId())) {
                info.put("bus", node.busName());
                info.put("ready", node.notReady().get() == null);
            }
            return info;
        }).toList();
    }

    /** Closes the user's sessions everywhere; the count is this node's (other nodes close theirs too). */
    private Map<String, Object> disconnect(String user) {
        return Map.of("user", user, "disconnected", node.disconnect().applyAsInt(user));
    }

    private String room(String room) throws Refusal {
        return Destination.room(room, node.settings().maxRoomLength);
    }

    private static String user(String user) throws Refusal {
        String problem = Ids.userProblem(user);
        if (problem != null) {
            throw new Refusal(Code.INVALID_USER, problem + ": use 1 to " + Ids.MAX_USER_LENGTH
                    + " characters, none of them control characters");
        }
        return user;
    }

    /** A backend's message, once the bus took it: its position. Counted as a message in. */
    private CompletableFuture<Map<String, String>> positionOf(CompletableFuture<Position> published) {
        node.metrics().httpMessageIn();
        return published.thenApply(p -> Map.of("position", p.toString()));
    }

    private static void allow(HttpMethod method, HttpMethod allowed) throws Refusal {
        if (!method.equals(allowed)) {
            throw new Refusal(Code.METHOD_NOT_ALLOWED,
                    method + " is not allowed here; use " + allowed);
        }
    }

    private static void authorize(FullHttpRequest request, byte[] key, String what) throws Refusal {
        String header = request.headers().get(HttpHeaderNames.AUTHORIZATION);
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw new Refusal(Code.UNAUTHORIZED,
                    "missing " + what + ": send 'Authorization: Bearer <key>'");
        }
        byte[] given = header.substring(7).trim().getBytes(StandardCharsets.UTF_8);
        if (!MessageDigest.isEqual(given, key)) {
            throw new Refusal(Code.FORBIDDEN, "the " + what + " is not valid");
        }
    }

    private static Refusal toRefusal(Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        if (cause instanceof Refusal r) {
            return r;
        }
        if (cause instanceof MessageTooLargeException) {
            return new Refusal(Code.TOO_LARGE, cause.getMessage());
        }
        if (cause instanceof BusUnavailableException) {
            return new Refusal(Code.BUS_UNAVAILABLE, cause.getMessage());
        }
        return new Refusal(Code.INTERNAL,
                "the request failed: " + cause);
    }

    /** Answers an error as JSON; the one place where failures turn into responses. */
    static void respondError(ChannelHandlerContext ctx, Refusal r, boolean keepAlive) {
        Responses.error(ctx, r, keepAlive);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        FatalErrors.haltIfFatal(cause);
        ctx.close();
    }

    /** A publish request body: {@code {"data": ..., "from"?: "...", "headers"?: {...}}}. */
    record Publish(byte[] body, String contentType, String from, Map<String, String> headers) {
        static Publish parse(FullHttpRequest request, int maxBodyBytes) throws Refusal {
            JsonNode root;
            try {
                root = Responses.JSON.readTree(request.content().toString(StandardCharsets.UTF_8));
            } catch (JsonProcessingException e) {
                throw new Refusal(Code.BAD_JSON,
                        "request body is not valid JSON: " + e.getOriginalMessage());
            }
            if (root == null || !root.isObject()) {
                throw new Refusal(Code.BAD_JSON,
                        "request body must be a JSON object such as {\"data\": \"hello\"}");
            }
            JsonNode data = root.get("data");
            if (data == null || data.isNull()) {
                throw missing("'data' is required and must not be null");
            }
            if (data.isTextual() && data.asText().isEmpty()) {
                throw missing("'data' must not be empty");
            }
            byte[] body;
            String contentType;
            if (data.isTextual()) {
                body = data.asText().getBytes(StandardCharsets.UTF_8);
                contentType = "text/plain;charset=utf-8";
            } else {
                body = data.toString().getBytes(StandardCharsets.UTF_8);
                contentType = "application/json";
            }
            if (body.length > maxBodyBytes) {
                throw new Refusal(Code.TOO_LARGE,
                        "'data' is " + body.length + " bytes; the limit is " + maxBodyBytes);
            }
            String from = text(root, "from");
            if (from != null) {
                user(from);
            }
            return new Publish(body, contentType, from, headers(root.get("headers")));
        }

        private static String text(JsonNode root, String field) throws Refusal {
            JsonNode n = root.get(field);
            if (n == null || n.isNull()) {
                return null;
            }
            if (!n.isTextual() || n.asText().isEmpty()) {
                throw missing("'" + field + "' must be a non-empty string");
            }
            return n.asText();
        }

        private static Map<String, String> headers(JsonNode n) throws Refusal {
            if (n == null || n.isNull()) {
                return Map.of();
            }
            if (!n.isObject()) {
                throw missing("'headers' must be an object of string values");
            }
            Map<String, String> headers = new LinkedHashMap<>();
            for (var it = n.fields(); it.hasNext(); ) {
                var e = it.next();
                if (!e.getValue().isValueNode() || e.getValue().isNull()) {
                    throw missing("header '" + e.getKey() + "' must be a string");
                }
                if (e.getKey().isEmpty()) {
                    throw missing("a header name is empty");
                }
                ApplicationHeaders.checkName(e.getKey());
                headers.put(e.getKey(), e.getValue().asText());
            }
            if (headers.size() > Envelope.MAX_APPLICATION_HEADERS) {
                throw missing("at most " + Envelope.MAX_APPLICATION_HEADERS + " headers, got " + headers.size());
            }
            return headers;
        }

        private static Refusal missing(String message) {
            return new Refusal(Code.INVALID_REQUEST, message);
        }
    }
}
