package io.roomcast.http;

import io.roomcast.cluster.Cluster;
import io.roomcast.config.Settings;
import io.roomcast.metrics.NodeMetrics;
import io.roomcast.metrics.ScrapeCache;
import io.roomcast.room.Outbox;
import io.roomcast.room.Presence;

import java.util.List;
import java.util.function.Supplier;
import java.util.function.ToIntFunction;

/**
 * What the HTTP API uses of its node, and nothing else. Built once by the node; each part is thread-safe.
 *
 * @param apiKey     the bearer key of {@code /api}
 * @param nodes      the live nodes, this one first
 * @param disconnect closes a user's sessions everywhere; answers how many were on this node
 * @param notReady   why the node should not take traffic now, or null when it should
 * @param testHooks  whether the test-only routes exist ({@code -Droomcast.test=true})
 */
public record HttpContext(Settings settings, String nodeId, String version, String busName, String apiKey,
                          Outbox outbox, Presence presence, Supplier<List<Cluster.NodeInfo>> nodes,
                          ToIntFunction<String> disconnect, Supplier<String> notReady, ScrapeCache metricsPage,
                          NodeMetrics metrics, boolean testHooks) {
}
