package io.roomcast.bus;

import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The ordered, partitioned log the nodes share. Implementations must be thread-safe.
 *
 * <p>Contract: every message published by any node is handed to every node's sink exactly once, and for each
 * partition in offset order, without gaps. The sink must not block and must not throw; it runs on the bus's
 * own threads.
 */
public interface Bus extends AutoCloseable {

    /** Starts delivery of every message on the bus to {@code sink}. Called once, before any publish. */
    void start(Consumer<Published> sink) throws Exception;

    /**
     * Places a message on its stream's partition.
     *
     * @return a future completed with the message's position once the bus has accepted it, or failed with
     *     {@link BusUnavailableException} when the bus can't accept it
     */
    CompletableFuture<Position> publish(Envelope envelope);

    /** The epoch of the log; positions from any other epoch are unknown to this bus. */
    String epoch();

    /** The number of partitions; fixed for the life of an epoch. */
    int partitions();

    /** Whether the bus can publish right now (readiness). */
    default boolean isReady() {
        return true;
    }

    /** A one-word name for logs and {@code /api/nodes}. */
    String name();

    @Override
    void close();
}
