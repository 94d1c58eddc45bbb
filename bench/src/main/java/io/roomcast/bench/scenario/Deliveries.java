package io.roomcast.bench.scenario;

import io.roomcast.bench.load.BenchClient;
import io.roomcast.bench.load.ClientListener;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Counts timed deliveries per step and records their latency (send to receive, in the generator's clock)
 * in an HdrHistogram {@link Recorder}, which event loops write to without locks.
 */
final class Deliveries implements ClientListener {
    static final int MAX_STEPS = 128;
    private static final long MAX_NANOS = 60_000_000_000L;

    private final Recorder recorder = new Recorder(MAX_NANOS, 3);
    private final AtomicLongArray perStep = new AtomicLongArray(MAX_STEPS);

    @Override
    public void timed(BenchClient client, int step, long sentNanos, long receivedNanos) {
        if (step >= 0 && step < MAX_STEPS) {
            perStep.incrementAndGet(step);
        }
        recorder.recordValue(Math.min(Math.max(receivedNanos - sentNanos, 0), MAX_NANOS));
    }

    long delivered(int step) {
        return perStep.get(step);
    }

    /** The latencies recorded since the last call. */
    Histogram interval() {
        return recorder.getIntervalHistogram();
    }
}
