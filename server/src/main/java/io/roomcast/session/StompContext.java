package io.roomcast.session;

import io.roomcast.access.ConnectProxy;
import io.roomcast.auth.Authenticator;
import io.roomcast.auth.JwtAuthenticator;
import io.roomcast.config.Settings;
import io.roomcast.delivery.Dispatcher;
import io.roomcast.history.HistoryWindow;
import io.roomcast.limits.SharedRates;
import io.roomcast.metrics.NodeMetrics;
import io.roomcast.room.Outbox;
import io.roomcast.room.Presence;

import java.util.function.BooleanSupplier;

/**
 * What a STOMP connection's handler uses of its node, and nothing else. Built once by the node; shared by every
 * connection, so each part is thread-safe.
 *
 * @param settings      the limits and timings the protocol applies
 * @param nodeId        this node's id, for CONNECTED and logs
 * @param serverVersion the {@code server} header of CONNECTED
 * @param jwt           the node's JWT verifier for room tokens and refreshes, or null when it has no keys
 * @param connectProxy  the backend that authenticates connections ({@code --auth proxy}), or null
 * @param draining      whether the node is shutting down (a CONNECT is then told to go elsewhere)
 */
public record StompContext(Settings settings, String nodeId, String serverVersion, Authenticator authenticator,
                           JwtAuthenticator jwt, ConnectProxy connectProxy, JoinRules joinRules,
                           SessionRegistry sessions, Outbox outbox,
                           Presence presence, HistoryWindow history, Resume resume, Dispatcher dispatcher,
                           NodeMetrics metrics, Rates rates, BooleanSupplier draining) {
    /**
     * The rate limits shared by several connections (per node).
     *
     * @param userSends SENDs per user over all the user's connections
     * @param roomPosts posts per room from all its members
     */
    public record Rates(SharedRates userSends, SharedRates roomPosts) {
    }
}
