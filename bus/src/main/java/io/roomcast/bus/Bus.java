package io.roomcast.bus;

import java.util.concurrent.CompletableFuture;

/**
 * The ordered, partitioned log the nodes share. Implementations must be thread-safe.
 *
 * <p>Contract: every message published by any node is handed to every node's listener once, and for each
 * partition in offset order. The listener learns the epoch and the starting offsets first
 * ({@link BusListener#onReady}).
 */
public interface Bus extends AutoCloseable {

    /**
     * Starts delivery of every message on the bus to {@code listener}. Called once. Must not block on the
     * bus being reachable: a bus that can't connect yet reports {@link #isReady()} false and keeps trying.
     */
    void start(BusListener listener);

    /**
     * Places a message on its stream's partition.
     *
     * @return a future completed with the message's position once the bus has accepted it, or failed with
     *     {@link BusUnavailableException} when the bus can't accept it
     */
    CompletableFuture<Position> publish(Envelope envelope);

    /** Whether the bus can publish right now (readiness). */
    default boolean isReady() {
        return true;
    }

    /** Why the bus is not ready, for the readiness endpoint and logs; null when it is ready. */
    default String unavailableReason() {
        return null;
    }

    /** The bus's log reader, or null when it keeps no log (deep recovery is then not possible). */
    default LogReader logReader() {
        return null;
    }

    /** Whether other nodes share this bus (so presence must be replicated over it). */
    default boolean isShared() {
        return false;
    }

    /** A one-word name for logs and {@code /api/nodes}. */
    String name();

    @Override
    void close();
}
