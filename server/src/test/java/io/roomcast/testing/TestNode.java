package io.roomcast.testing;

import io.roomcast.config.Settings;
import io.roomcast.node.Node;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.Consumer;

/** A real node on an ephemeral loopback port, for one test class. */
public final class TestNode implements AutoCloseable {
    public static final String API_KEY = "test-api-key-0123456789";

    private final Node node;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private TestNode(Node node) {
        this.node = node;
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
        s.metricsMinInterval = Duration.ZERO; // a test reads what it just caused, not a second-old rendering
        customize.accept(s);
        s.validate();
        try {
            return new TestNode(new Node(s, Node.busFor(s)).start());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public int port() {
        return node.port();
    }

    public String wsUrl() {
        return "ws://127.0.0.1:" + port() + "/ws";
    }

    public String httpUrl(String path) {
        return "http://127.0.0.1:" + port() + path;
    }

    /** Publishes {@code text} to {@code room} through the HTTP API, as a backend would; returns its position. */
    public String publish(String room, String text) {
        HttpResponse<String> r = api("POST", "/api/rooms/" + room + "/messages",
                "{\"data\":" + jsonString(text) + ",\"from\":\"backend\"}");
        if (r.statusCode() != 200) {
            throw new IllegalStateException("publish to " + room + " answered " + r.statusCode() + ": " + r.body());
        }
        String body = r.body();
        int at = body.indexOf("\"position\":\"") + 12;
        return body.substring(at, body.indexOf('"', at));
    }

    /** Whether {@code /health/ready} answers 200. */
    public boolean isReady() {
        return request("GET", "/health/ready", null, null).statusCode() == 200;
    }

    /** The Prometheus page. */
    public String metrics() {
        return request("GET", "/metrics", null, null).body();
    }

    /**
     * The value of one sample on the metrics page, such as
     * {@code roomcast_disconnects_total{reason="slow-consumer"}}: the first line whose name and labels contain
     * {@code name} and all of {@code labels}; 0 when there is none.
     */
    public double metric(String name, String... labels) {
        for (String line : metrics().split("\n")) {
            if (line.startsWith(name) && !line.startsWith("#")) {
                boolean all = true;
                for (String label : labels) {
                    all &= line.contains(label);
                }
                if (all) {
                    return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                }
            }
        }
        return 0;
    }

    private static String jsonString(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
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
        node.close();
    }
}
