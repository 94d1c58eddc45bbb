package io.roomcast.testing;

import io.roomcast.config.Settings;
import io.roomcast.node.Node;
import io.roomcast.transport.RoomcastServer;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.Consumer;

/** A real node on an ephemeral loopback port, for one test class. */
public final class TestNode implements AutoCloseable {
    public static final String API_KEY = "test-api-key-0123456789";

    private final RoomcastServer server;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private TestNode(RoomcastServer server) {
        this.server = server;
    }

    public static TestNode start() {
        return start(s -> {
        });
    }

    public static TestNode start(Consumer<Settings> customize) {
        Settings s = Settings.defaults();
        s.host = "127.0.0.1";
        s.port = 0;
        s.nodeId = "test-node";
        s.apiKey = API_KEY;
        customize.accept(s);
        s.validate();
        try {
            return new TestNode(new RoomcastServer(new Node(s, Node.busFor(s))).start());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public int port() {
        return server.port();
    }

    public String wsUrl() {
        return "ws://127.0.0.1:" + port() + "/ws";
    }

    public String httpUrl(String path) {
        return "http://127.0.0.1:" + port() + path;
    }

    public Node node() {
        return server.node();
    }

    /** Sends an HTTP request with the API key. */
    public HttpResponse<String> api(String method, String path, String json) {
        return request(method, path, json, "Bearer " + API_KEY);
    }

    public HttpResponse<String> request(String method, String path, String body, String authorization) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(httpUrl(path))).timeout(Duration.ofSeconds(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        try {
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        server.close();
    }
}
