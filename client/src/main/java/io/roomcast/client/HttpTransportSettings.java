package io.roomcast.client;

import java.net.URI;
import java.time.Duration;
import java.util.List;

/**
 * The HTTP transport: a list of node (or load balancer) URLs and the API key. Sends go to one node; when it
 * can't be reached or answers 503, the next one is tried.
 *
 * @param nodes           base URLs such as {@code http://node-a:8080}
 * @param apiKey          the nodes' API key
 * @param timeout         per request
 * @param maxPayloadBytes payloads larger than this are refused before sending (the nodes' default limit)
 */
public record HttpTransportSettings(List<URI> nodes, String apiKey, Duration timeout, int maxPayloadBytes) {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
    public static final int DEFAULT_MAX_PAYLOAD_BYTES = 64 * 1024;

    public HttpTransportSettings {
        if (nodes == null || nodes.isEmpty()) {
            throw new IllegalArgumentException("nodes: give at least one node URL, such as http://localhost:8080");
        }
        for (URI node : nodes) {
            if (node == null || node.getHost() == null
                    || !("http".equals(node.getScheme()) || "https".equals(node.getScheme()))) {
                throw new IllegalArgumentException("nodes: '" + node + "' is not an http:// or https:// URL");
            }
        }
        if (apiKey == null || apiKey.isBlank()) {
            throw new IllegalArgumentException("apiKey: required; the nodes print theirs at start-up");
        }
        if (timeout == null || timeout.isZero() || timeout.isNegative()) {
            throw new IllegalArgumentException("timeout: must be positive, got " + timeout);
        }
        if (maxPayloadBytes <= 0) {
            throw new IllegalArgumentException("maxPayloadBytes: must be positive, got " + maxPayloadBytes);
        }
        nodes = List.copyOf(nodes);
    }

    public static HttpTransportSettings of(String node, String apiKey) {
        return new HttpTransportSettings(List.of(URI.create(node)), apiKey, DEFAULT_TIMEOUT, DEFAULT_MAX_PAYLOAD_BYTES);
    }

    public static HttpTransportSettings of(List<String> nodes, String apiKey) {
        return new HttpTransportSettings(nodes.stream().map(URI::create).toList(), apiKey, DEFAULT_TIMEOUT,
                DEFAULT_MAX_PAYLOAD_BYTES);
    }
}
