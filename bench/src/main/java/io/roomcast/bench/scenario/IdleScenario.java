package io.roomcast.bench.scenario;

import io.roomcast.bench.load.Agents;
import io.roomcast.bench.load.BenchClient;
import io.roomcast.bench.load.Progress;
import io.roomcast.bench.servers.ProcStats;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * N idle connections, each subscribed to a room (ten to a room), at several N: the server's resident memory
 * and heap after a full GC, per connection, over its own baseline with no connections. Also the connect rate
 * (WebSocket handshake, CONNECT, CONNECTED, with 200 in flight) while opening the second level.
 */
public final class IdleScenario {
    private IdleScenario() {
    }

    /**
     * @param rssPerConnectionKb (RSS at N − RSS with none) / N
     * @param heapPerConnectionKb (heap after GC at N − heap after GC with none) / N
     * @param connectsPerSecond  for the second level only (null for the others)
     */
    public record Point(String target, int connections, double rssMb, double heapMb, double rssPerConnectionKb,
                        double heapPerConnectionKb, Double connectsPerSecond, String failure) {
        String line() {
            return String.format("%-20s idle %,7d connections  RSS %7.1f MB (%5.2f KB/conn)  heap %7.1f MB "
                            + "(%5.2f KB/conn)%s", target, connections, rssMb, rssPerConnectionKb, heapMb,
                    heapPerConnectionKb, connectsPerSecond == null ? ""
                            : String.format("  connect rate %,.0f/s", connectsPerSecond));
        }
    }

    public static List<Point> run(Rig rig, List<Integer> levels) throws Exception {
        return run(rig, levels, null, 0);
    }

    /**
     * @param agentCommand  when not null, the connections are held by {@code processes} agent processes started
     *                      with this command (the bench's main class) instead of by this process's generator:
     *                      for levels one process's open-file cap can't hold
     */
    public static List<Point> run(Rig rig, List<Integer> levels, List<String> agentCommand, int processes)
            throws Exception {
        ProcStats stats = rig.stats().get(0);
        long heap0 = stats.heapAfterGcBytes();
        long rss0 = stats.rssBytes();
        List<BenchClient> clients = new ArrayList<>();
        List<Agents> agents = new ArrayList<>();
        int held = 0;
        List<Point> points = new ArrayList<>();
        try {
            for (int level : levels) {
                int from = held;
                long start = System.nanoTime();
                Double agentRate = null;
                try (Progress p = rig.progress("idle: connect", level)) {
                    p.add(from);
                    if (agentCommand == null) {
                        clients.addAll(rig.generator().openIdle(rig.server(0), "idle-", from, level - from, 10,
                                Rig.IN_FLIGHT, p));
                    } else {
                        Agents a = Agents.start(agentCommand, rig.server(0), from, level - from, processes, p);
                        agents.add(a);
                        agentRate = a.awaitReady(Duration.ofSeconds(60 + (level - from) / 100));
                    }
                    held = level;
                } catch (Exception e) {
                    // A server that can't hold this many (out of memory, say) is a result, not a crash.
                    String why = rig.target() + " could not hold " + String.format("%,d", level)
                            + " idle connections: " + e.getMessage() + " (see its log)";
                    rig.out().println("  " + why);
                    points.add(new Point(rig.target(), level, Double.NaN, Double.NaN, Double.NaN, Double.NaN, null,
                            why));
                    break;
                }
                // With several levels the connect rate is measured apart, on a fresh server (warmConnectRate), so
                // that reconnecting does not disturb the memory figures; with one level, that level's rate stands.
                Double rate = levels.size() > 1 ? null
                        : agentRate != null ? agentRate : (level - from) / ((System.nanoTime() - start) / 1e9);
                Rig.await(() -> false, Duration.ofSeconds(2)); // subscriptions settle
                long heap = stats.heapAfterGcBytes();
                long rss = stats.rssBytes();
                Point point = new Point(rig.target(), level, rss / 1e6, heap / 1e6, (rss - rss0) / 1024.0 / level,
                        (heap - heap0) / 1024.0 / level, rate, null);
                points.add(point);
                rig.out().println("  " + point.line());
            }
            return points;
        } finally {
            Rig.closeAll(clients);
            agents.forEach(Agents::close);
        }
    }

    /**
     * One round of the connect-rate measurement: {@code count} connections opened (timed) and closed.
     *
     * @param timed     false for a warm-up round
     * @param jitShare  the seconds the busier JIT (the server's or the generator's) spent compiling during the
     *                  round, over the round's length: how far from warm the two still were
     * @param serverCpuMicros the server's CPU time over the round (opening, closing, settling) per connection:
     *                  its cost apart from the generator's, which shares the machine and bounds every target's rate
     */
    public record ConnectRound(String target, int round, boolean timed, double connectsPerSecond, double jitShare,
                               double serverCpuMicros) {
    }

    static final int MAX_WARM_UP_ROUNDS = 10;
    static final int TIMED_ROUNDS = 3;

    /**
     * The connect rate of a warm server: rounds of {@code count} connections opened and closed until the JIT
     * compilers of both the server and the generator are nearly idle (a node that has run for a while has
     * compiled its connection path), then {@code TIMED_ROUNDS} more, timed; the median stands. One fixed
     * warm-up round was not enough: a profile showed Roomcast's C2 compiler still at a third of its CPU after
     * 10k connections, and the generator's too, since it had only just met this target's frames; Roomcast
     * compiled for about 40 s of CPU before its cost per connection fell to the ceiling's. Run it on a fresh
     * server process. Every round goes into {@code rounds}, so that the report shows the warm-up converge.
     *
     * @return connections per second
     */
    public static double warmConnectRate(Rig rig, int count, List<ConnectRound> rounds) throws Exception {
        ProcStats server = rig.stats().get(0);
        JitMeter jit = rig.jitMeter();
        List<Double> timed = new ArrayList<>();
        int round = 0;
        boolean warm = false;
        while (timed.size() < TIMED_ROUNDS) {
            round++;
            jit.mark();
            long cpu0 = server.cpuNanos();
            long start = System.nanoTime();
            double rate = count / (openAndClose(rig, (warm ? "timed " : "warm-up ") + round, count) / 1e9);
            Rig.await(() -> false, Duration.ofSeconds(2)); // the closes settle, and count in the round's JIT time
            double jitShare = jit.busiestShare();
            double cpuMicros = (server.cpuNanos() - cpu0) / 1e3 / count;
            rounds.add(new ConnectRound(rig.target(), round, warm, rate, jitShare, cpuMicros));
            rig.out().printf("  %-20s connect rate %s round %d: %,.0f/s, JIT %.0f %% of a core, server CPU %,.0f µs "
                    + "per connection%n", rig.target(), warm ? "timed" : "warm-up", round, rate, jitShare * 100,
                    cpuMicros);
            if (warm) {
                timed.add(rate);
            } else if (jitShare < JitMeter.WARM || round >= MAX_WARM_UP_ROUNDS) {
                warm = true;
            }
        }
        Collections.sort(timed);
        double median = timed.get(timed.size() / 2);
        rig.out().printf("  %-20s connect rate (warm) %,.0f/s: median of %d rounds of %,d connections after %d "
                + "warm-up rounds%n", rig.target(), median, TIMED_ROUNDS, count, round - TIMED_ROUNDS);
        return median;
    }

    /** Opens {@code count} idle clients, then closes them; @return the nanoseconds the opening took */
    private static long openAndClose(Rig rig, String phase, int count) throws Exception {
        List<BenchClient> clients = new ArrayList<>();
        try (Progress p = rig.progress("connect rate: " + phase, count)) {
            long start = System.nanoTime();
            clients.addAll(rig.generator().openIdle(rig.server(0), "rate-", 0, count, 10, Rig.IN_FLIGHT, p));
            return System.nanoTime() - start;
        } finally {
            Rig.closeAll(clients);
        }
    }
}
