package io.roomcast.bench.scenario;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongConsumer;

/** Sends at a steady rate for a while: each millisecond, whatever is due by then. */
final class Publisher {
    private Publisher() {
    }

    /** Calls {@code send} with 0, 1, 2, ... at {@code perSecond}; @return how many were sent */
    static long run(double perSecond, Duration duration, LongConsumer send) {
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        long sent = 0;
        for (long now = start; now < end; now = System.nanoTime()) {
            long due = (long) ((now - start) / 1e9 * perSecond);
            while (sent < due) {
                send.accept(sent++);
            }
            LockSupport.parkNanos(1_000_000);
        }
        return sent;
    }
}
