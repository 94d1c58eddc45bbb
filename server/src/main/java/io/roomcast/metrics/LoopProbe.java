package io.roomcast.metrics;

import io.micrometer.core.instrument.Timer;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Measures each event loop's task latency, and tells readiness when a loop is stuck: every quarter of the
 * stall timeout, from the boss loop, it hands each worker loop a probe task (unless the last one has not run
 * yet) and records how long it waited. A loop whose probe has waited longer than the stall timeout is stalled:
 * a blocked or overloaded loop shows here before its clients notice, and a load balancer stops sending
 * traffic to the node.
 *
 * <p>Thread-safe.
 */
public final class LoopProbe {
    private final List<EventExecutor> loops = new ArrayList<>();
    private final List<Timer> timers = new ArrayList<>();
    /** When each loop's outstanding probe was handed to it (System.nanoTime), 0 when none is outstanding. */
    private final AtomicLongArray posted;
    private final long stallNanos;

    private LoopProbe(EventLoopGroup workers, NodeMetrics metrics, Duration stall) {
        workers.forEach(loops::add);
        for (int i = 0; i < loops.size(); i++) {
            timers.add(metrics.loopDelay(Integer.toString(i)));
        }
        posted = new AtomicLongArray(loops.size());
        stallNanos = stall.toNanos();
    }

    /** Starts probing {@code workers} from {@code scheduler}; stops with the scheduler's group. */
    public static LoopProbe start(EventLoopGroup scheduler, EventLoopGroup workers, NodeMetrics metrics,
                                  Duration stall) {
        LoopProbe probe = new LoopProbe(workers, metrics, stall);
        long every = Math.max(1, stall.toMillis() / 4);
        scheduler.scheduleAtFixedRate(probe::probe, every, every, TimeUnit.MILLISECONDS);
        return probe;
    }

    private void probe() {
        for (int i = 0; i < loops.size(); i++) {
            EventExecutor loop = loops.get(i);
            long now = System.nanoTime();
            if (loop.isShuttingDown() || !posted.compareAndSet(i, 0, now)) {
                continue; // the last probe has not run yet: its wait is what stalled() reads
            }
            int index = i;
            loop.execute(() -> {
                timers.get(index).record(System.nanoTime() - now, TimeUnit.NANOSECONDS);
                posted.set(index, 0);
            });
        }
    }

    /** Why the node should not take traffic (a loop that has not run its probe in time), or null. */
    public String stalled() {
        long now = System.nanoTime();
        for (int i = 0; i < loops.size(); i++) {
            long since = posted.get(i);
            if (since != 0 && now - since > stallNanos) {
                return "event loop " + i + " has not run a task for " + (now - since) / 1_000_000 + " ms (the limit"
                        + " is " + stallNanos / 1_000_000 + " ms, --loop-stall-timeout)";
            }
        }
        return null;
    }
}
