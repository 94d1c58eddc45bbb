package io.roomcast.transport;

import io.roomcast.config.Settings;
import io.roomcast.delivery.Outbound;
import io.roomcast.http.HttpApiHandler;
import io.roomcast.limits.ConnectionLimits;
import io.roomcast.limits.TrustedProxies;
import io.roomcast.metrics.NodeMetrics;
import io.roomcast.session.StompContext;

/**
 * What the transport needs to build each connection's pipeline. Built once by the node; every part is
 * thread-safe.
 *
 * @param api        the HTTP API of the main port
 * @param monitoring the routes of {@code --metrics-port}, or null when it is not set
 * @param sweep      housekeeping run every few seconds on the accepting loop (forgetting idle limits)
 */
public record TransportContext(Settings settings, Outbound.Budget budget, ConnectionLimits limits,
                               TrustedProxies proxies, NodeMetrics metrics, HttpApiHandler api,
                               HttpApiHandler monitoring, StompContext stomp, Runnable sweep) {
}
