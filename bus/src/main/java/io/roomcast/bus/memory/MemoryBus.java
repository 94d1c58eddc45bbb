package io.roomcast.bus.memory;

import io.roomcast.bus.Bus;
import io.roomcast.bus.BusListener;
import io.roomcast.bus.Envelope;
import io.roomcast.bus.Position;
import io.roomcast.bus.Published;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The bus of a single process. Each partition is a counter guarded by its own lock; a publish takes the lock,
 * assigns the next offset and hands the message to the listener while still holding it, which is what keeps every
 * partition in offset order for the listener. The listener is non-blocking by contract, so the lock is held briefly.
 *
 * <p>The log itself is not kept here: the node's history window is the only copy. The epoch is new on every
 * start, so positions handed out before a restart are reported as unrecoverable rather than misread.
 *
 * <p>Thread-safe.
 */
public final class MemoryBus implements Bus {
    private final String epoch;
    private final Object[] locks;
    private final long[] nextOffset;
    private volatile BusListener listener;

    public MemoryBus(int partitions) {
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be at least 1, got " + partitions);
        }
        this.epoch = "m" + Long.toString(System.currentTimeMillis(), 36)
                + Integer.toString(ThreadLocalRandom.current().nextInt(36 * 36 * 36), 36);
        this.locks = new Object[partitions];
        this.nextOffset = new long[partitions];
        for (int i = 0; i < partitions; i++) {
            locks[i] = new Object();
        }
    }

    @Override
    public void start(BusListener listener) {
        listener.onReady(epoch, new long[locks.length]);
        this.listener = Objects.requireNonNull(listener);
    }

    @Override
    public CompletableFuture<Position> publish(Envelope envelope) {
        BusListener target = listener;
        if (target == null) {
            return CompletableFuture.failedFuture(new IllegalStateException("bus not started"));
        }
        int partition = envelope.stream().partition(locks.length);
        Position position;
        synchronized (locks[partition]) {
            position = new Position(epoch, partition, nextOffset[partition]++);
            target.onMessage(new Published(position, envelope, System.currentTimeMillis()));
        }
        return CompletableFuture.completedFuture(position);
    }

    public String epoch() {
        return epoch;
    }

    @Override
    public String name() {
        return "memory";
    }

    @Override
    public void close() {
        listener = null;
    }
}
