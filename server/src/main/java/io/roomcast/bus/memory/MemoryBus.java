package io.roomcast.bus.memory;

import io.roomcast.bus.Bus;
import io.roomcast.bus.Envelope;
import io.roomcast.bus.Position;
import io.roomcast.bus.Published;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * The bus of a single process. Each partition is a counter guarded by its own lock; a publish takes the lock,
 * assigns the next offset and hands the message to the sink while still holding it, which is what keeps every
 * partition in offset order for the sink. The sink is non-blocking by contract, so the lock is held briefly.
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
    private volatile Consumer<Published> sink;

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
    public void start(Consumer<Published> sink) {
        this.sink = Objects.requireNonNull(sink);
    }

    @Override
    public CompletableFuture<Position> publish(Envelope envelope) {
        Consumer<Published> target = sink;
        if (target == null) {
            return CompletableFuture.failedFuture(new IllegalStateException("bus not started"));
        }
        int partition = envelope.stream().partition(locks.length);
        Position position;
        synchronized (locks[partition]) {
            position = new Position(epoch, partition, nextOffset[partition]++);
            target.accept(new Published(position, envelope, System.currentTimeMillis()));
        }
        return CompletableFuture.completedFuture(position);
    }

    @Override
    public String epoch() {
        return epoch;
    }

    @Override
    public int partitions() {
        return locks.length;
    }

    @Override
    public String name() {
        return "memory";
    }

    @Override
    public void close() {
        sink = null;
    }
}
