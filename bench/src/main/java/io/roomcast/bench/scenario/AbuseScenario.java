package io.roomcast.bench.scenario;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakeException;
import io.roomcast.bench.load.BenchClient;
import io.roomcast.bench.load.ClientListener;
import io.roomcast.bench.load.Frames;
import io.roomcast.bench.load.Progress;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A benign client's round trip (a SEND to its own room, until its own MESSAGE comes back) for a while with the
 * node quiet, then as long again beside three abusers run from this process: a SEND flood that reconnects from
 * a new address whenever the node closes it, a connection flood from one address, and upgrades with a foreign
 * {@code Origin}. The node runs with {@code AbuseLimitsTest}'s limits (see {@code Targets.ABUSE_LIMITS}); each
 * client's address is its {@code X-Forwarded-For}, which the node believes from loopback (those limits name
 * {@code --trusted-proxies 127.0.0.1/32}). This is the measurement that test's last case made, with a timed
 * assertion, moved where timing belongs.
 *
 * <p>The benign client sends one message at a time, 210 ms after the last came back (under 5 a second, inside
 * its own send limit). Before the quiet phase, one unmeasured warm-up round runs both (the abusers and the
 * benign client), so that the node's JIT has compiled its refusal paths before either phase is timed.
 */
public final class AbuseScenario {
    /** The goal: the benign client's median beside the abuse, over its quiet median, under this. */
    public static final double GOAL_RATIO = 2.0;
    /** Medians under this count as this: below it loopback scheduling noise outweighs anything the node does. */
    static final double FLOOR_MS = 1.0;
    private static final String ROOM = "abuse-calm";
    private static final long PAUSE_BETWEEN_PINGS_MS = 210;
    private static final String BENIGN_ADDRESS = "198.51.100.1";
    private static final String CONNECT_FLOOD_ADDRESS = "198.51.100.250";
    private static final String ORIGIN_ADDRESS = "198.51.100.251";
    private static final String FLOOD_FRAME = "SEND\ndestination:/app/room." + ROOM + "\n\nspam\0";

    private AbuseScenario() {
    }

    /**
     * One phase of the benign client's pings.
     *
     * @param lost        pings whose MESSAGE did not come back within 5 s
     * @param serverCores the node's CPU over the phase, in cores
     * @param jitShare    the busiest process's JIT over the phase, in cores (see {@link JitMeter})
     */
    public record Phase(int samples, int lost, double p50Ms, double p99Ms, double maxMs, double serverCores,
                        double jitShare) {
    }

    /**
     * What the abusers did and what the node answered, from their start for the abused phase (the wait for the
     * abuse to get going included) to its end.
     *
     * @param floodConnections SEND-flood connections that got CONNECTED
     * @param floodCloses      of those, how many the node closed (the send limit)
     * @param refusedTooMany   upgrades refused with 429 (connections or connect rate per address)
     * @param refusedOrigin    upgrades refused with 403 (origin-not-allowed)
     * @param otherFailures    connections that failed otherwise (closed before CONNECTED, timed out)
     */
    public record Abuse(long floodConnections, long floodSends, long floodCloses, long connectFloodAttempts,
                        long connectFloodAccepted, long originAttempts, long refusedTooMany, long refusedOrigin,
                        long otherFailures) {
    }

    /**
     * @param ratio      the abused median over the quiet one, each at least {@link #FLOOR_MS}: the goal's figure
     * @param p99Ratio   the same for p99
     * @param underWay   whether the abuse had got going (the flooder closed, ten upgrades refused) before the
     *                   abused phase began
     * @param benignOpen whether the benign client's connection was still open at the end
     */
    public record Result(String target, int phaseSeconds, Phase quiet, Phase abused, double ratio, double p99Ratio,
                         Abuse abuse, boolean underWay, boolean benignOpen) {
        String line() {
            return String.format("%-20s abuse    benign round trip quiet p50 %.2f p99 %.2f ms (%d), beside the abuse"
                            + " p50 %.2f p99 %.2f ms (%d, %d lost): %.2fx median, %.2fx p99; %,d upgrades refused,"
                            + " flooder closed %,d times%s%s", target, quiet.p50Ms(), quiet.p99Ms(), quiet.samples(),
                    abused.p50Ms(), abused.p99Ms(), abused.samples(), abused.lost(), ratio, p99Ratio,
                    abuse.refusedTooMany() + abuse.refusedOrigin(), abuse.floodCloses(),
                    underWay ? "" : "  ABUSE NOT UNDER WAY", benignOpen ? "" : "  BENIGN CLIENT CLOSED");
        }
    }

    public static Result run(Rig rig, Duration phase, Duration warmUp) throws Exception {
        BlockingQueue<long[]> arrivals = new LinkedBlockingQueue<>();
        ClientListener listener = new ClientListener() {
            @Override
            public void timed(BenchClient client, int step, long sentNanos, long receivedNanos) {
                arrivals.add(new long[] {step, sentNanos, receivedNanos});
            }

            @Override
            public void receipt(BenchClient client, String receiptId) {
                arrivals.add(new long[] {-1, 0, 0});
            }
        };
        BenchClient benign = rig.generator().open(rig.server(0), "benign", listener, false,
                Map.of("X-Forwarded-For", BENIGN_ADDRESS)).get(30, TimeUnit.SECONDS);
        try {
            benign.send(Frames.subscribe("r", "/topic/room." + ROOM, null, "in"));
            long[] receipt = arrivals.poll(10, TimeUnit.SECONDS);
            if (receipt == null || receipt[0] != -1) {
                throw new IllegalStateException(rig.target() + ": the benign client's SUBSCRIBE was not answered");
            }
            Pinger pinger = new Pinger(rig, benign, arrivals);
            JitMeter jit = rig.jitMeter();
            Abusers abusers = new Abusers(rig);
            if (!warmUp.isZero()) {
                abusers.start();
                Phase w = pinger.measure("warm-up", warmUp, jit);
                abusers.stop();
                rig.out().printf("  %s abuse: warm-up %d s beside the abuse (p50 %.2f ms), busiest JIT %.0f %% of"
                        + " a core%n", rig.target(), warmUp.toSeconds(), w.p50Ms(), w.jitShare() * 100);
                Rig.await(() -> false, Duration.ofSeconds(2)); // the last floods' closes settle
            }
            jit.mark();
            Phase quiet = pinger.measure("quiet", phase, jit);
            rig.out().printf("  %s abuse: quiet p50 %.2f ms, p99 %.2f ms over %d round trips, node %.0f %% of a"
                    + " core%n", rig.target(), quiet.p50Ms(), quiet.p99Ms(), quiet.samples(), quiet.serverCores() * 100);

            abusers.start();
            Phase abused;
            boolean underWay;
            try {
                // As the test did: let the abuse get going, the flooder closed once and upgrades being refused.
                underWay = Rig.await(abusers::underWay, Duration.ofSeconds(20));
                jit.mark();
                abused = pinger.measure("with abusers", phase, jit);
            } finally {
                abusers.stop();
            }
            double ratio = Math.max(FLOOR_MS, abused.p50Ms()) / Math.max(FLOOR_MS, quiet.p50Ms());
            double p99Ratio = Math.max(FLOOR_MS, abused.p99Ms()) / Math.max(FLOOR_MS, quiet.p99Ms());
            Channel ch = benign.channel();
            Result r = new Result(rig.target(), (int) phase.toSeconds(), quiet, abused, ratio, p99Ratio,
                    abusers.counts(), underWay, ch != null && ch.isActive());
            rig.out().println("  " + r.line());
            return r;
        } finally {
            Rig.closeAll(List.of(benign));
        }
    }

    /** The benign client's round trips, one at a time. */
    private static final class Pinger {
        private final Rig rig;
        private final BenchClient client;
        private final BlockingQueue<long[]> arrivals;
        private int next = 1;

        Pinger(Rig rig, BenchClient client, BlockingQueue<long[]> arrivals) {
            this.rig = rig;
            this.client = client;
            this.arrivals = arrivals;
        }

        Phase measure(String label, Duration length, JitMeter jit) throws InterruptedException {
            List<Double> rtt = new ArrayList<>();
            int lost = 0;
            long cpu0 = rig.cpuNanos();
            long start = System.nanoTime();
            long end = start + length.toNanos();
            try (Progress p = rig.progress("abuse: " + label, length.toMillis() / (PAUSE_BETWEEN_PINGS_MS + 1))) {
                while (System.nanoTime() < end) {
                    Thread.sleep(PAUSE_BETWEEN_PINGS_MS);
                    int id = next++;
                    client.send(Frames.timedSend("/app/room." + ROOM, "", id, 16));
                    long[] back = awaitPing(id, Duration.ofSeconds(5));
                    if (back == null) {
                        lost++;
                    } else {
                        rtt.add((back[2] - back[1]) / 1e6);
                        p.add(1);
                    }
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            double cores = (rig.cpuNanos() - cpu0) / 1e9 / seconds;
            double[] sorted = rtt.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            return new Phase(sorted.length, lost, percentile(sorted, 50), percentile(sorted, 99),
                    sorted.length == 0 ? 0 : sorted[sorted.length - 1], cores, jit.busiestShare());
        }

        /** Waits for ping {@code id}'s MESSAGE, passing over late ones; null if it does not come. */
        private long[] awaitPing(int id, Duration atMost) throws InterruptedException {
            long deadline = System.nanoTime() + atMost.toNanos();
            for (long left = atMost.toNanos(); left > 0; left = deadline - System.nanoTime()) {
                long[] a = arrivals.poll(left, TimeUnit.NANOSECONDS);
                if (a == null) {
                    return null;
                }
                if (a[0] == id) {
                    return a;
                }
            }
            return null;
        }
    }

    /** The median as the test took it ({@code sorted[n / 2]}), and other percentiles by nearest rank. */
    static double percentile(double[] sorted, double percentile) {
        if (sorted.length == 0) {
            return 0;
        }
        if (percentile == 50) {
            return sorted[sorted.length / 2];
        }
        int rank = (int) Math.ceil(percentile / 100 * sorted.length);
        return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
    }

    /** The three abusers, each a thread of this process on the generator's event loops. */
    private static final class Abusers {
        private final Rig rig;
        private final AtomicBoolean stop = new AtomicBoolean();
        private final List<Thread> threads = new ArrayList<>();
        private final AtomicLong floodConnections = new AtomicLong();
        private final AtomicLong floodSends = new AtomicLong();
        private final AtomicLong floodCloses = new AtomicLong();
        private final AtomicLong connectFloodAttempts = new AtomicLong();
        private final AtomicLong connectFloodAccepted = new AtomicLong();
        private final AtomicLong originAttempts = new AtomicLong();
        private final AtomicLong refusedTooMany = new AtomicLong();
        private final AtomicLong refusedOrigin = new AtomicLong();
        private final AtomicLong otherFailures = new AtomicLong();
        private final List<AtomicLong> counters = List.of(floodConnections, floodSends, floodCloses,
                connectFloodAttempts, connectFloodAccepted, originAttempts, refusedTooMany, refusedOrigin,
                otherFailures);
        private final AtomicInteger round = new AtomicInteger();

        Abusers(Rig rig) {
            this.rig = rig;
        }

        void start() {
            stop.set(false);
            counters.forEach(c -> c.set(0)); // each start counts afresh: the figures are the abused phase's
            threads.clear();
            threads.add(started("abuse-send-flood", this::sendFlood));
            threads.add(started("abuse-connect-flood", () -> knock(Map.of("X-Forwarded-For", CONNECT_FLOOD_ADDRESS),
                    connectFloodAttempts)));
            threads.add(started("abuse-origin", () -> knock(Map.of("Origin", "https://evil.example",
                    "X-Forwarded-For", ORIGIN_ADDRESS), originAttempts)));
        }

        void stop() throws InterruptedException {
            stop.set(true);
            for (Thread t : threads) {
                t.join(30_000);
            }
        }

        boolean underWay() {
            return floodCloses.get() > 0 && refusedTooMany.get() + refusedOrigin.get() >= 10;
        }

        Abuse counts() {
            return new Abuse(floodConnections.get(), floodSends.get(), floodCloses.get(), connectFloodAttempts.get(),
                    connectFloodAccepted.get(), originAttempts.get(), refusedTooMany.get(), refusedOrigin.get(),
                    otherFailures.get());
        }

        /**
         * Connects from a new address each round (the connect limits are per address), sends SENDs to the
         * benign client's room at about 1,000 a second (ten, then a 10 ms pause: 200 times the allowed rate)
         * until the node closes it, and again.
         */
        private void sendFlood() {
            while (!stop.get()) {
                int r = round.getAndIncrement();
                BenchClient flood = connect(Map.of("X-Forwarded-For", "198.51.100." + (10 + r % 200)), "flood");
                if (flood == null) {
                    continue;
                }
                floodConnections.incrementAndGet();
                Channel ch = flood.channel();
                for (int i = 0; i < 200 && ch.isActive() && !stop.get(); i++) {
                    flood.send(FLOOD_FRAME);
                    floodSends.incrementAndGet();
                    if (i % 10 == 9) {
                        pause();
                    }
                }
                if (!stop.get() && ch.closeFuture().awaitUninterruptibly(10, TimeUnit.SECONDS)) {
                    floodCloses.incrementAndGet();
                }
                flood.close();
            }
        }

        /** Opens connections with {@code headers} one after another, about 100 a second, closing what opens. */
        private void knock(Map<String, String> headers, AtomicLong attempts) {
            while (!stop.get()) {
                attempts.incrementAndGet();
                BenchClient c = connect(headers, "knock");
                if (c != null) {
                    if (headers.containsKey("X-Forwarded-For") && !headers.containsKey("Origin")) {
                        connectFloodAccepted.incrementAndGet();
                    }
                    c.close();
                }
                pause(); // ~100 a second: enough to hold the limits shut, without starving the benign client
            }
        }

        /** A connected client, or null when the node refused (counted by why). */
        private BenchClient connect(Map<String, String> headers, String login) {
            java.util.concurrent.CompletableFuture<BenchClient> f = rig.generator().open(rig.server(0), login,
                    ClientListener.NONE, false, headers);
            try {
                return f.get(10, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                int status = e.getCause() instanceof WebSocketClientHandshakeException h && h.response() != null
                        ? h.response().status().code() : 0;
                switch (status) {
                    case 429 -> refusedTooMany.incrementAndGet();
                    case 403 -> refusedOrigin.incrementAndGet();
                    default -> otherFailures.incrementAndGet();
                }
            } catch (TimeoutException e) {
                otherFailures.incrementAndGet();
                f.thenAccept(BenchClient::close); // should it connect after all
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stop.set(true);
                f.thenAccept(BenchClient::close);
            }
            return null;
        }

        private static void pause() {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private static Thread started(String name, Runnable body) {
            Thread t = new Thread(body, name);
            t.setDaemon(true);
            t.start();
            return t;
        }
    }
}
