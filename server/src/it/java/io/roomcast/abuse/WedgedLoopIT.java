package io.roomcast.abuse;

import io.roomcast.testing.Abuse;
import io.roomcast.testing.BenignSubscriber;
import io.roomcast.testing.NodeProcess;
import io.roomcast.testing.RawHttp;
import io.roomcast.testing.Reliability;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Failing safely: when an event loop stops running tasks, {@code /health/ready} says so (503, with a reason
 * naming the loop) within {@code --loop-stall-timeout}, so that a load balancer sends new clients elsewhere,
 * and it turns 200 again once the loop runs. The test blocks one loop with the test-only hook
 * {@code POST /test/block-loop?millis=N} (present only with -Droomcast.test=true).
 */
class WedgedLoopIT {
    private static final long BLOCK_MILLIS = 6000;
    private static final Duration STALL = Duration.ofSeconds(2);
    /** Readiness must turn 503 within this of the block starting: the stall timeout plus a probe period. */
    private static final long NOT_READY_WITHIN_MILLIS = 4000;
    /** And 200 again within this of the block ending. */
    private static final long READY_AGAIN_WITHIN_MILLIS = 4000;
    private static final int PROBERS = 6;
    private static final Duration PROBE_TIMEOUT = Duration.ofMillis(500);

    /** One readiness answer from a new connection: when (ms since the block began), status (0: none in time). */
    private record Probe(long atMillis, int status, String body) {
    }

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void aBlockedEventLoopMakesTheNodeUnreadyUntilItRunsAgain() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(PROBERS + 1);
        try (NodeProcess node = Abuse.start("abuse-wedged", "--loop-stall-timeout", "2s");
             BenignSubscriber benign = BenignSubscriber.start(node, "calm", null, Duration.ofSeconds(15))) {
            List<Probe> before = new ArrayList<>();
            for (int i = 0; i < PROBERS; i++) {
                before.add(probe(node, System.nanoTime()));
            }
            long blockStart = System.nanoTime();
            Future<RawHttp.Response> block = pool.submit(() -> RawHttp.once(node.port(), null, "POST",
                    "/test/block-loop?millis=" + BLOCK_MILLIS, null, Duration.ofMillis(BLOCK_MILLIS + 10_000),
                    "Authorization", "Bearer " + NodeProcess.API_KEY));
            // Independent probers, each on a new connection every 50 ms: one stuck on the blocked loop (its
            // probe times out) doesn't hold up the others. They stop 3 s after the block's answer, or at 25 s.
            List<Probe> probes = Collections.synchronizedList(new ArrayList<>());
            long[] blockAnsweredAt = {-1};
            AtomicBoolean stop = new AtomicBoolean();
            List<Future<?>> probers = new ArrayList<>();
            for (int t = 0; t < PROBERS; t++) {
                probers.add(pool.submit(() -> {
                    for (int i = 0; i < 1000 && !stop.get() && millisSince(blockStart) < 25_000; i++) {
                        probes.add(probe(node, blockStart));
                        try {
                            Thread.sleep(50); // the probing cadence
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                }));
            }
            int blockStatus = 0;
            String blockBody = "";
            try {
                RawHttp.Response r = block.get(BLOCK_MILLIS + 12_000, TimeUnit.MILLISECONDS);
                blockStatus = r.status();
                blockBody = r.body();
            } catch (Exception e) {
                blockBody = e.toString();
            }
            blockAnsweredAt[0] = millisSince(blockStart);
            long answered = blockAnsweredAt[0];
            Abuse.within(Duration.ofSeconds(Math.max(1, 25 - answered / 1000)),
                    () -> millisSince(blockStart) > answered + 3000);
            stop.set(true);
            for (Future<?> f : probers) {
                f.get(10, TimeUnit.SECONDS);
            }
            long blockAnswered = blockAnsweredAt[0];
            boolean fenced = benign.fence(Duration.ofSeconds(15));
            BenignSubscriber.Report r = benign.report();

            List<Probe> sorted = new ArrayList<>(probes);
            sorted.sort(Comparator.comparingLong(Probe::atMillis));
            Probe first503 = sorted.stream().filter(p -> p.status() == 503).findFirst().orElse(null);
            long notReadyAnswers = sorted.stream().filter(p -> p.status() == 503).count();
            long noAnswer = sorted.stream().filter(p -> p.status() == 0).count();
            List<Probe> wrongReason = sorted.stream().filter(p -> p.status() == 503
                    && !p.body().toLowerCase().contains("loop")).toList();
            // Back to ready: the first probe from which every later one is 200.
            long readyAgainAt = -1;
            for (int i = sorted.size() - 1; i >= 0 && sorted.get(i).status() == 200; i--) {
                readyAgainAt = sorted.get(i).atMillis();
            }
            long readyAgainAfter = readyAgainAt < 0 ? -1 : Math.max(0, readyAgainAt - blockAnswered);
            boolean alive = Abuse.alive(node);
            Abuse.figures("WedgedLoopIT", "block-loop answered " + blockStatus + " after " + blockAnswered + " ms ("
                    + abbreviate(blockBody) + ") | before the block: " + statuses(before) + " | " + sorted.size()
                    + " probes: " + notReadyAnswers + " answered 503, " + noAnswer + " no answer in time; first 503 at "
                    + (first503 == null ? "never" : first503.atMillis() + " ms (" + abbreviate(first503.body()) + ")")
                    + "; ready again " + readyAgainAfter + " ms after the block ended | benign: " + r.describe()
                    + " | node " + (alive ? "alive" : "DEAD") + " | fence " + fenced);

            SoftAssertions soft = new SoftAssertions();
            // The bystander may sit on the blocked loop: it may wait out the block, but loses nothing.
            BenignSubscriber.check(soft, r, Duration.ofMillis(BLOCK_MILLIS + 2000));
            soft.assertThat(before).as("readiness before the block").allMatch(p -> p.status() == 200);
            soft.assertThat(blockStatus).as("POST /test/block-loop answered (%s)", abbreviate(blockBody)).isEqualTo(200);
            soft.assertThat(blockAnswered).as("the block lasted (ms)").isGreaterThanOrEqualTo(BLOCK_MILLIS - 500);
            soft.assertThat(first503).as("a 503 from /health/ready while the loop was blocked").isNotNull();
            if (first503 != null) {
                soft.assertThat(first503.atMillis()).as("ms from the block to the first 503")
                        .isLessThanOrEqualTo(NOT_READY_WITHIN_MILLIS);
            }
            soft.assertThat(wrongReason).as("503 answers whose reason doesn't name the event loop").isEmpty();
            soft.assertThat(readyAgainAfter).as("ms from the block's end to readiness 200 again")
                    .isBetween(0L, READY_AGAIN_WITHIN_MILLIS);
            soft.assertThat(alive).as("the node is alive").isTrue();
            soft.assertAll();

            Reliability.record("Failing safely", "one event loop blocked for " + BLOCK_MILLIS + " ms (the test-only"
                            + " POST /test/block-loop; --loop-stall-timeout 2s)",
                    "/health/ready answered 503 naming the event loop " + first503.atMillis() + " ms after the"
                            + " block began, and 200 again " + readyAgainAfter + " ms after it ended",
                    "a subscriber received all " + r.accepted() + " messages posted meanwhile, in order, max latency "
                            + r.maxLatencyMillis() + " ms (a client on the blocked loop waits out the block)",
                    "nothing", "WedgedLoopIT");
        } finally {
            pool.shutdownNow();
            pool.awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    /** Readiness from a new connection; one that lands on the blocked loop times out (status 0). */
    private static Probe probe(NodeProcess node, long since) {
        try {
            RawHttp.Response r = RawHttp.once(node.port(), null, "GET", "/health/ready", null, PROBE_TIMEOUT);
            return new Probe(millisSince(since), r.status(), r.body());
        } catch (IOException e) {
            return new Probe(millisSince(since), 0, e.toString());
        }
    }

    private static long millisSince(long nanos) {
        return (System.nanoTime() - nanos) / 1_000_000;
    }

    private static String statuses(List<Probe> probes) {
        return probes.stream().map(p -> Integer.toString(p.status())).toList().toString();
    }

    private static String abbreviate(String s) {
        return s.length() <= 160 ? s : s.substring(0, 160) + "...";
    }
}
