package io.roomcast.bench.scenario;

import io.roomcast.bench.load.BenchClient;
import io.roomcast.bench.load.ClientListener;
import io.roomcast.bench.load.Frames;
import io.roomcast.bench.load.Progress;
import org.HdrHistogram.Histogram;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One room with K subscribers and one publisher (itself a member, as Roomcast requires, so each message makes
 * K + 1 deliveries), published to at increasing rates in steps. A step is sustained when at least 95 % of
 * its deliveries arrive and p99 stays under a second.
 */
public final class FanoutScenario {
    private static final String ROOM = "fanout";
    private static final int PADDING = 64;

    private FanoutScenario() {
    }

    public static List<Step> run(Rig rig, String name, int subscribers, List<Double> rates, Duration stepLength,
                                 boolean stopWhenNotSustained) throws Exception {
        Deliveries deliveries = new Deliveries();
        Set<BenchClient> warm = ConcurrentHashMap.newKeySet();
        ClientListener listener = new ClientListener() {
            @Override
            public void timed(BenchClient client, int step, long sentNanos, long receivedNanos) {
                if (step == 0) {
                    warm.add(client);
                }
                deliveries.timed(client, step, sentNanos, receivedNanos);
            }
        };
        String topic = "/topic/room." + ROOM;
        List<BenchClient> clients;
        try (Progress p = rig.progress(name + ": connect", subscribers + 1)) {
            clients = new ArrayList<>(rig.generator().openMany(rig.server(0), 1, 1, i -> "fan-publisher", listener,
                    false, (c, i) -> c.send(Frames.subscribe("room", topic, null, null)), p));
            clients.addAll(openSpread(rig, subscribers, listener, topic, p));
        }
        BenchClient publisher = clients.get(0);
        int receivers = subscribers + 1;
        try {
            // Warm up until every subscription is live (not every server answers SUBSCRIBE receipts).
            boolean allWarm = false;
            for (int i = 0; i < 600 && !allWarm; i++) {
                publisher.send(Frames.timedSend("/app/room." + ROOM, "", 0, PADDING));
                allWarm = Rig.await(() -> warm.size() == receivers, Duration.ofMillis(50));
            }
            if (!allWarm) {
                throw new IllegalStateException(rig.target() + ": only " + warm.size() + " of " + receivers
                        + " subscribers received anything within 30 s");
            }
            Rig.await(() -> false, Duration.ofMillis(500)); // let the warm-up drain
            deliveries.interval();
            List<Step> steps = new ArrayList<>();
            int step = 1;
            for (double rate : rates) {
                Step s = step(rig, name, publisher, deliveries, receivers, rate, stepLength, step++);
                rig.out().println("  " + s.line());
                steps.add(s);
                if (!s.sustained() && stopWhenNotSustained) {
                    break;
                }
            }
            return steps;
        } finally {
            Rig.closeAll(clients);
        }
    }

    /** Opens {@code count} subscribers of {@code topic}, shared out evenly over the target's servers. */
    static List<BenchClient> openSpread(Rig rig, int count, ClientListener listener, String topic, Progress p)
            throws Exception {
        List<BenchClient> all = new ArrayList<>(count);
        for (int s = 0; s < rig.servers().size(); s++) {
            int server = s;
            all.addAll(rig.generator().openMany(rig.server(s), rig.share(count, s), Rig.IN_FLIGHT,
                    i -> "fan-" + server + "-" + i, listener, false,
                    (c, i) -> c.send(Frames.subscribe("room", topic, null, null)), p));
        }
        return all;
    }

    private static Step step(Rig rig, String name, BenchClient publisher, Deliveries deliveries, int receivers,
                             double rate, Duration length, int step) throws InterruptedException {
        long cpu0 = rig.cpuNanos();
        long start = System.nanoTime();
        long sent = Publisher.run(rate, length, n ->
                publisher.send(Frames.timedSend("/app/room." + ROOM, "", step, PADDING)));
        double seconds = (System.nanoTime() - start) / 1e9;
        long expected = sent * receivers;
        Rig.await(() -> deliveries.delivered(step) >= expected, Duration.ofSeconds(3));
        long cpu = rig.cpuNanos() - cpu0;
        long delivered = deliveries.delivered(step);
        Histogram h = deliveries.interval();
        return Step.of(rig.target(), name, rate, expected, delivered, seconds, h,
                delivered == 0 ? null : cpu / 1e3 / delivered);
    }
}
