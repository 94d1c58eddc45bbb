package io.roomcast.bench.scenario;

import io.roomcast.bench.servers.ProcStats;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleSupplier;

/**
 * How busy the JIT compilers of a run's processes are: the servers, the processes they need (the broker) and
 * this generator. A server whose compilers are still busy is warming up, not running: profiles showed C2
 * taking a third of a node's CPU for the first minute of a load, and the broker's and the generator's too.
 * Scenarios warm up until {@link #busiestShare} falls under {@link #WARM}.
 */
final class JitMeter {
    /** Warm: no process's JIT took a tenth of a core over the last round. */
    static final double WARM = 0.10;

    private final List<DoubleSupplier> compileSeconds = new ArrayList<>();
    private final double[] last;
    private long lastNanos;

    JitMeter(List<ProcStats> processes) {
        processes.forEach(p -> compileSeconds.add(p::compileSeconds));
        compileSeconds.add(() -> ManagementFactory.getCompilationMXBean().getTotalCompilationTime() / 1e3);
        last = new double[compileSeconds.size()];
        mark();
    }

    /** Starts a new interval. */
    void mark() {
        for (int i = 0; i < last.length; i++) {
            last[i] = compileSeconds.get(i).getAsDouble();
        }
        lastNanos = System.nanoTime();
    }

    /**
     * The seconds the busiest process spent compiling since the last call (or {@link #mark}), per second of
     * that interval; starts the next interval. The JVM counts a compile's elapsed time, which on a busy machine
     * overstates its CPU: the test errs towards warming longer.
     */
    double busiestShare() {
        double seconds = (System.nanoTime() - lastNanos) / 1e9;
        double busiest = 0;
        for (int i = 0; i < last.length; i++) {
            double now = compileSeconds.get(i).getAsDouble();
            busiest = Math.max(busiest, (now - last[i]) / seconds);
            last[i] = now;
        }
        lastNanos = System.nanoTime();
        return busiest;
    }
}
