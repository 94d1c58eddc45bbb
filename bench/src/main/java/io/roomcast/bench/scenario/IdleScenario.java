package io.roomcast.bench.scenario;

import io.roomcast.bench.load.Agents;
import io.roomcast.bench.load.BenchClient;
import io.roomcast.bench.load.ClientListener;
import io.roomcast.bench.load.Frames;
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
        int[] held = {0};
        List<Point> points = new ArrayList<>();
        // The connect rate is taken at the second level, after its memory is measured: every connection is closed
        // and as many opened again, timed, and they stay for the next level. By then the server is warm: a
        // profile of the second level's own connect phase showed the server's C2 compiler at 39 % of its CPU and
        // G1 marking at 10 %, a warm-up the ceiling (less code) finishes sooner. Every target is measured so.
        int rateLevel = levels.size() > 1 ? 1 : 0;
        try {
            for (int level : levels) {
                int from = held[0];
                long start = System.nanoTime();
                Double agentRate = null;
                try (Progress p = rig.progress("idle: connect", level)) {
                    p.add(from);
                    if (agentCommand == null) {
                        clients.addAll(rig.generator().openMany(rig.server(0), level - from, Rig.IN_FLIGHT,
                                i -> "idle-" + (from + i), ClientListener.NONE, false, (c, i) -> c.send(
                                        Frames.subscribe("room", "/topic/room.idle-" + (from + i) / 10, null, null)), p));
                    } else {
                        Agents a = Agents.start(agentCommand, rig.server(0), from, level - from, processes, p);
                        agents.add(a);
                        agentRate = a.awaitReady(Duration.ofSeconds(60 + (level - from) / 100));
                    }
                    held[0] = level;
                } catch (Exception e) {
                    // A server that can't hold this many (out of memory, say) is a result, not a crash.
                    String why = rig.target() + " could not hold " + String.format("%,d", level)
                            + " idle connections: " + e.getMessage() + " (see its log)";
                    rig.out().println("  " + why);
                    points.add(new Point(rig.target(), level, Double.NaN, Double.NaN, Double.NaN, Double.NaN, null,
                            why));
                    break;
                }
                Double rate = levels.size() > 1 || points.size() != rateLevel ? null
                        : agentRate != null ? agentRate : (level - from) / ((System.nanoTime() - start) / 1e9);
                Rig.await(() -> false, Duration.ofSeconds(2)); // subscriptions settle
                long heap = stats.heapAfterGcBytes();
                long rss = stats.rssBytes();
                Point point = new Point(rig.target(), level, rss / 1e6, heap / 1e6, (rss - rss0) / 1024.0 / level,
                        (heap - heap0) / 1024.0 / level, rate, null);
                points.add(point);
                if (points.size() - 1 == rateLevel) {
                    // Close every connection and open as many again, timed: these stay for the next level.
                    Rig.closeAll(clients);
                    clients.clear();
                    agents.forEach(Agents::close);
                    agents.clear();
                    Double warm = reopen(rig, level, agentCommand, processes, clients, agents);
                    if (warm == null) {
                        held[0] = 0;
                        rig.out().println("  " + point.line());
                        break;
                    }
                    point = new Point(point.target(), point.connections(), point.rssMb(), point.heapMb(),
                            point.rssPerConnectionKb(), point.heapPerConnectionKb(), warm, null);
                    points.set(rateLevel, point);
                }
                rig.out().println("  " + point.line());
            }
            return points;
        } finally {
            Rig.closeAll(clients);
            agents.forEach(Agents::close);
        }
    }

    /**
     * Opens {@code count} connections again on the warm server, into {@code clients} or {@code agents}.
     *
     * @return their connect rate, or null when the server could not take them
     */
    private static Double reopen(Rig rig, int count, List<String> agentCommand, int processes,
                                 List<BenchClient> clients, List<Agents> agents) throws InterruptedException {
        Rig.await(() -> false, Duration.ofSeconds(2)); // the closes settle
        long start = System.nanoTime();
        try (Progress p = rig.progress("idle: connect again (warm)", count)) {
            if (agentCommand == null) {
                clients.addAll(rig.generator().openMany(rig.server(0), count, Rig.IN_FLIGHT, i -> "idle-" + i,
                        ClientListener.NONE, false, (c, i) -> c.send(Frames.subscribe("room", "/topic/room.idle-"
                                + i / 10, null, null)), p));
                return count / ((System.nanoTime() - start) / 1e9);
            }
            Agents a = Agents.start(agentCommand, rig.server(0), 0, count, processes, p);
            agents.add(a);
            return a.awaitReady(Duration.ofSeconds(60 + count / 100));
        } catch (Exception e) {
            rig.out().println("  " + rig.target() + ": could not open the connections again (" + e.getMessage()
                    + ")");
            return null;
        }
    }
}
