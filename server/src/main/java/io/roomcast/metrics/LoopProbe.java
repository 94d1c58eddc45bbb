package io.roomcast.metrics;

import io.micrometer.core.instrument.Timer;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Measures each event loop's task latency: once a second, from the boss loop, it hands every worker loop a
 * task and records how long that task waited to run. A loop that is busy or blocked shows here before its
 * clients notice.
 */
public final class LoopProbe {
    private LoopProbe() {
    }

    /** Starts probing {@code workers} from {@code scheduler}; stops with the scheduler's group. */
    public static void start(EventLoopGroup scheduler, EventLoopGroup workers, NodeMetrics metrics) {
        List<EventExecutor> loops = new ArrayList<>();
        workers.forEach(loops::add);
        List<Timer> timers = new ArrayList<>();
        for (int i = 0; i < loops.size(); i++) {
            timers.add(metrics.loopDelay(Integer.toString(i)));
        }
        scheduler.scheduleAtFixedRate(() -> {
            for (int i = 0; i < loops.size(); i++) {
                Timer timer = timers.get(i);
                long queued = System.nanoTime();
                EventExecutor loop = loops.get(i);
                if (!loop.isShuttingDown()) {
                    loop.execute(() -> timer.record(System.nanoTime() - queued, TimeUnit.NANOSECONDS));
                }
            }
        }, 1, 1, TimeUnit.SECONDS);
    }
}
