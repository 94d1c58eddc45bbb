package io.roomcast.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.roomcast.bus.Position;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The HTTP transport: the nodes' publish API. Requests rotate over the configured nodes; a node that can't
 * be reached, times out or answers 503 (not ready, bus down) is skipped and the next one tried, so one dead
 * node never stops publishing. Any other error answer is final: it says what was wrong with the request.
 */
final class HttpPublisher implements RoomcastPublisher {
    private static final Logger log = LoggerFactory.getLogger(HttpPublisher.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpTransportSettings settings;
    private final PayloadSerializer serializer;
    private final ExecutorService executor;
    private final HttpClient http;
    private final AtomicInteger next = new AtomicInteger();

    HttpPublisher(HttpTransportSettings settings, PayloadSerializer serializer) {
        this.settings = settings;
        this.serializer = serializer;
        // Our own executor, so that close() can release its threads (HttpClient itself can't be closed on 17).
        this.executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "roomcast-publisher-http");
            t.setDaemon(true);
            return t;
        });
        this.http = HttpClient.newBuilder().connectTimeout(settings.timeout()).executor(executor).build();
    }

    @Override
    public CompletableFuture<Position> toRoomAsync(String room, Object payload, Map<String, String> headers) {
        return publish("/api/rooms/" + encode(Checks.room(room)) + "/messages", payload, headers);
    }

    @Override
    public CompletableFuture<Position> toUserAsync(String user, Object payload, Map<String, String> headers) {
        return publish("/api/users/" + encode(Checks.user(user)) + "/messages", payload, headers);
    }

    @Override
    public CompletableFuture<Position> broadcastAsync(Object payload, Map<String, String> headers) {
        return publish("/api/broadcast", payload, headers);
    }

    @Override
    public List<Member> presence(String room) {
        JsonNode answer = Futures.await(call("GET", "/api/rooms/" + encode(Checks.room(room)) + "/presence", null));
        List<Member> members = new ArrayList<>();
        for (JsonNode u : answer.path("users")) {
            List<String> nodes = new ArrayList<>();
            u.path("nodes").forEach(n -> nodes.add(n.asText()));
            members.add(new Member(u.path("user").asText(), u.path("sessions").asInt(), List.copyOf(nodes)));
        }
        return members;
    }

    @Override
    public void disconnect(String user) {
        Futures.await(call("DELETE", "/api/users/" + encode(Checks.user(user)) + "/sessions", null));
    }

    /** Checks and encodes before anything is sent: bad arguments throw here, on the caller's thread. */
    private CompletableFuture<Position> publish(String path, Object payload, Map<String, String> headers) {
        PayloadSerializer.Payload p = PayloadSerializer.encode(serializer, payload, settings.maxPayloadBytes());
        ObjectNode body = JSON.createObjectNode();
        if (p.contentType().equals("application/json")) {
            try {
                body.set("data", JSON.readTree(p.bytes()));
            } catch (IOException e) {
                throw new IllegalArgumentException("the serializer's output is not JSON: " + e.getMessage(), e);
            }
        } else {
            body.put("data", text(p.bytes()));
        }
        Map<String, String> h = Checks.headers(headers);
        if (!h.isEmpty()) {
            body.set("headers", JSON.valueToTree(h));
        }
        return call("POST", path, body.toString()).thenApply(answer -> Position.parse(answer.path("position").asText()));
    }

    /** The HTTP API carries text or JSON: bytes must be UTF-8 text to travel this way. */
    private static String text(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("the HTTP transport carries text and JSON: these bytes are not UTF-8 "
                    + "text (send them as a String or use the RocketMQ transport)", e);
        }
    }

    private CompletableFuture<JsonNode> call(String method, String path, String json) {
        int start = Math.floorMod(next.getAndIncrement(), settings.nodes().size());
        return attempt(method, path, json, start, 0, null);
    }

    private CompletableFuture<JsonNode> attempt(String method, String path, String json, int start, int tried,
                                                Throwable last) {
        List<URI> nodes = settings.nodes();
        if (tried == nodes.size()) {
            return CompletableFuture.failedFuture(new RoomcastPublishException("no node accepted the request ("
                    + method + " " + path + "); tried " + nodes + "; last failure: " + describe(last), last));
        }
        URI node = nodes.get((start + tried) % nodes.size());
        HttpRequest.Builder request = HttpRequest.newBuilder(node.resolve(path)).timeout(settings.timeout())
                .header("Authorization", "Bearer " + settings.apiKey())
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(json));
        if (json != null) {
            request.header("Content-Type", "application/json");
        }
        return http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString())
                .handle((response, failure) -> {
                    if (failure != null) {
                        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                                ? failure.getCause() : failure;
                        log.debug("node {} failed: {}; trying the next", node, cause.toString());
                        return attempt(method, path, json, start, tried + 1, cause);
                    }
                    if (response.statusCode() == 503) {
                        RoomcastPublishException unavailable = error(node, response);
                        log.debug("node {} is unavailable: {}; trying the next", node, unavailable.getMessage());
                        return attempt(method, path, json, start, tried + 1, unavailable);
                    }
                    if (response.statusCode() / 100 != 2) {
                        return CompletableFuture.<JsonNode>failedFuture(error(node, response));
                    }
                    try {
                        return CompletableFuture.completedFuture(JSON.readTree(response.body()));
                    } catch (IOException e) {
                        return CompletableFuture.<JsonNode>failedFuture(new RoomcastPublishException(
                                "node " + node + " answered something that is not JSON", e));
                    }
                }).thenCompose(f -> f);
    }

    private static RoomcastPublishException error(URI node, HttpResponse<String> response) {
        String code = null;
        String message = response.body();
        try {
            JsonNode e = JSON.readTree(response.body());
            code = e.path("error").asText(null);
            message = e.path("message").asText(message);
        } catch (IOException notJson) {
            // keep the raw body
        }
        return new RoomcastPublishException("node " + node + " refused the request: HTTP " + response.statusCode()
                + (code == null ? "" : " " + code) + ": " + message, null, response.statusCode(), code);
    }

    private static String describe(Throwable t) {
        if (t == null) {
            return "none";
        }
        Throwable c = t.getCause() != null && t.getMessage() == null ? t.getCause() : t;
        return c.getClass().getSimpleName() + (c.getMessage() == null ? "" : ": " + c.getMessage());
    }

    private static String encode(String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
    }

    @Override
    public void close() {
        executor.shutdown();
    }
}
