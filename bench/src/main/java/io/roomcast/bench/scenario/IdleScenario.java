package io.roomcast.bench.scenario;

import io.roomcast.bench.load.Agents;
import io.roomcast.bench.load.BenchClient;
import io.roomcast.bench.load.Progress;
import io.roomcast.bench.servers.ProcStats;

import java.time.Duration;
import java.util.ArrayList;
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
     * The connect rate of a warm server: {@code count} connections opened and closed once (the JIT compiles
     * the connection path, as it would have in a node that has run for a while), then {@code count} opened
     * again, timed. A profile of a cold connect phase showed the server's C2 compiler at 39 % of its CPU and
     * G1 marking at 10 %, which measures warm-up, not connecting. Run it on a fresh server process.
     *
     * @return connections per second
     */
    public static double warmConnectRate(Rig rig, int count) throws Exception {
        openAndClose(rig, "warm-up", count);
        Rig.await(() -> false, Duration.ofSeconds(2)); // the closes settle
        double rate = count / (openAndClose(rig, "timed", count) / 1e9);
        rig.out().printf("  %-20s connect rate (warm) %,.0f/s over %,d connections%n", rig.target(), rate, count);
        return rate;
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
