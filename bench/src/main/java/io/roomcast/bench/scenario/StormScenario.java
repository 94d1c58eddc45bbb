package io.roomcast.bench.scenario;

import io.roomcast.bench.load.BenchClient;
import io.roomcast.bench.load.ClientListener;
import io.roomcast.bench.load.Frames;
import io.roomcast.bench.load.Progress;
import org.HdrHistogram.Histogram;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A reconnect storm: N clients, ten to a room, each with a position; all drop at once and come back at once
 * (at most {@link #IN_FLIGHT} handshakes in flight, as a crowd behind one load balancer would). Measures the
 * time from the drop until every client is back: for Roomcast until its resume's {@code event:recovery}
 * (with {@code since}); for servers without resume, until the SUBSCRIBE receipt, or CONNECTED where the server
 * sends no receipts.
 */
public final class StormScenario {
    static final int IN_FLIGHT = 2000;

    private StormScenario() {
    }

    public record Result(String target, int clients, double allBackSeconds, double p50Ms, double p99Ms,
                         long recovered, String doneWhen) {
        String line() {
            return String.format("%-20s storm %,d clients back in %.2f s (p50 %.0f ms, p99 %.0f ms), %,d recovered"
                    + " (done when: %s)", target, clients, allBackSeconds, p50Ms, p99Ms, recovered, doneWhen);
        }
    }

    public static Result run(Rig rig, int count, boolean resume) throws Exception {
        AtomicLong receipts = new AtomicLong();
        AtomicLong warm = new AtomicLong();
        ClientListener first = new ClientListener() {
            @Override
            public void receipt(BenchClient client, String receiptId) {
                receipts.incrementAndGet();
            }

            @Override
            public void timed(BenchClient client, int step, long sentNanos, long receivedNanos) {
                warm.incrementAndGet();
            }
        };
        List<BenchClient> clients;
        try (Progress p = rig.progress("storm: connect", count)) {
            clients = rig.generator().openMany(rig.server(0), count, Rig.IN_FLIGHT, i -> "storm-" + i, first, resume,
                    (c, i) -> c.send(Frames.subscribe("room", topic(i), null, "r")), p);
        }
        boolean receiptsAnswered = Rig.await(() -> receipts.get() >= count, Duration.ofSeconds(20));
        // One message per room, so that every client has a position to resume from.
        for (int r = 0; r < count / 10; r++) {
            clients.get(r * 10).send(Frames.timedSend("/app/room.storm-" + r, "", 0, 16));
        }
        Rig.await(() -> warm.get() >= count, Duration.ofSeconds(20));
        Map<String, String> positions = new ConcurrentHashMap<>();
        for (BenchClient c : clients) {
            if (c.lastPosition() != null) {
                positions.put(c.login(), c.lastPosition());
            }
        }
        Rig.closeAll(clients);

        String doneWhen = resume ? "recovery event" : receiptsAnswered ? "SUBSCRIBE receipt" : "CONNECTED";
        long start = System.nanoTime();
        Histogram backAfter = new Histogram(3);
        AtomicLong back = new AtomicLong();
        AtomicLong recovered = new AtomicLong();
        ClientListener again = new ClientListener() {
            @Override
            public void connected(BenchClient client) {
                if (doneWhen.equals("CONNECTED")) {
                    done(client);
                }
            }

            @Override
            public void receipt(BenchClient client, String receiptId) {
                if (doneWhen.equals("SUBSCRIBE receipt")) {
                    done(client);
                }
            }

            @Override
            public void recovery(BenchClient client, boolean ok) {
                if (ok) {
                    recovered.incrementAndGet();
                }
                done(client);
            }

            private void done(BenchClient client) {
                synchronized (backAfter) {
                    backAfter.recordValue((System.nanoTime() - start) / 1_000_000);
                }
                back.incrementAndGet();
            }
        };
        List<BenchClient> returned = new ArrayList<>();
        try (Progress p = new Progress(rig.out(), rig.target() + " storm: back", count, () -> "")) {
            returned.addAll(rig.generator().openMany(rig.server(0), count, IN_FLIGHT, i -> "storm-" + i, again, resume,
                    (c, i) -> c.send(Frames.subscribe("room", topic(i), positions.get(c.login()), "r")), p));
            if (!Rig.await(() -> back.get() >= count, Duration.ofSeconds(60))) {
                throw new IllegalStateException(rig.target() + ": only " + back.get() + " of " + count
                        + " clients back within 60 s");
            }
        } finally {
            Rig.closeAll(returned);
        }
        double seconds;
        synchronized (backAfter) {
            seconds = backAfter.getMaxValue() / 1e3;
            Result r = new Result(rig.target(), count, seconds, backAfter.getValueAtPercentile(50),
                    backAfter.getValueAtPercentile(99), recovered.get(), doneWhen);
            rig.out().println("  " + r.line());
            return r;
        }
    }

    private static String topic(int i) {
        return "/topic/room.storm-" + i / 10;
    }
}
