package io.roomcast.metrics;

import io.roomcast.bus.Bus;
import io.roomcast.bus.BusListener;
import io.roomcast.bus.Envelope;
import io.roomcast.bus.LogReader;
import io.roomcast.bus.Position;
import io.roomcast.bus.Published;

import java.util.concurrent.CompletableFuture;

/**
 * A bus that times its publishes and measures how long each message took from the bus's store to this node.
 * Everything else goes straight to the bus it wraps.
 */
public final class MeteredBus implements Bus {
    private final Bus bus;
    private final NodeMetrics metrics;

    public MeteredBus(Bus bus, NodeMetrics metrics) {
        this.bus = bus;
        this.metrics = metrics;
    }

    @Override
    public void start(BusListener listener) {
        bus.start(new BusListener() {
            @Override
            public void onReady(String epoch, long[] nextOffsets) {
                listener.onReady(epoch, nextOffsets);
            }

            @Override
            public void onMessage(Published message) {
                metrics.consumed(message.timestampMillis());
                listener.onMessage(message);
            }
        });
    }

    @Override
    public CompletableFuture<Position> publish(Envelope envelope) {
        long start = System.nanoTime();
        return bus.publish(envelope).whenComplete((position, failure) ->
                metrics.published(System.nanoTime() - start, failure == null));
    }

    @Override
    public boolean isReady() {
        return bus.isReady();
    }

    @Override
    public String unavailableReason() {
        return bus.unavailableReason();
    }

    @Override
    public LogReader logReader() {
        return bus.logReader();
    }

    @Override
    public boolean isShared() {
        return bus.isShared();
    }

    @Override
    public String name() {
        return bus.name();
    }

    @Override
    public void close() {
        bus.close();
    }
}
