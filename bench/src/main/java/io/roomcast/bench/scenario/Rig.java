package io.roomcast.bench.scenario;

import io.roomcast.bench.load.BenchClient;
import io.roomcast.bench.load.LoadGenerator;
import io.roomcast.bench.load.Progress;
import io.roomcast.bench.servers.ProcStats;

import java.io.PrintStream;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * What every scenario works with: the generator, where to report, and the servers of one target, with the
 * processes they depend on ({@code infrastructure}: the broker), which count for warming up but not for the
 * servers' CPU.
 */
public record Rig(LoadGenerator generator, PrintStream out, String target, List<URI> servers, List<ProcStats> stats,
                  List<ProcStats> infrastructure) {
    static final int IN_FLIGHT = 200;

    public Rig(LoadGenerator generator, PrintStream out, String target, List<URI> servers, List<ProcStats> stats) {
        this(generator, out, target, servers, stats, List.of());
    }

    /** A meter of the JIT activity of every process in the run, the generator's included. */
    JitMeter jitMeter() {
        List<ProcStats> all = new java.util.ArrayList<>(stats);
        all.addAll(infrastructure);
        return new JitMeter(all);
    }

    URI server(int i) {
        return servers.get(Math.floorMod(i, servers.size()));
    }

    /** How many of {@code count} clients server {@code s} takes when they are shared out evenly. */
    int share(int count, int s) {
        return count / servers.size() + (s < count % servers.size() ? 1 : 0);
    }

    long cpuNanos() {
        return stats.stream().mapToLong(ProcStats::cpuNanos).sum();
    }

    Progress progress(String label, long total) {
        return new Progress(out, target + " " + label, total, () -> "");
    }

    /** Waits for {@code condition} with a deadline; @return whether it came true */
    static boolean await(BooleanSupplier condition, Duration atMost) throws InterruptedException {
        long deadline = System.nanoTime() + atMost.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(20);
        }
        return condition.getAsBoolean();
    }

    static void closeAll(List<BenchClient> clients) throws InterruptedException {
        clients.forEach(BenchClient::close);
        await(() -> clients.stream().noneMatch(c -> c.channel() != null && c.channel().isOpen()),
                Duration.ofSeconds(30));
    }
}
