package io.roomcast.session;

import io.roomcast.auth.Authenticator;
import io.roomcast.config.Settings;
import io.roomcast.delivery.Dispatcher;
import io.roomcast.history.HistoryWindow;
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
 * @param draining      whether the node is shutting down (a CONNECT is then told to go elsewhere)
 */
public record StompContext(Settings settings, String nodeId, String serverVersion, Authenticator authenticator,
                           SessionRegistry sessions, Outbox outbox, Presence presence, HistoryWindow history,
                           Resume resume, Dispatcher dispatcher, NodeMetrics metrics, BooleanSupplier draining) {
}
