package io.roomcast.abuse;

import io.roomcast.testing.Abuse;
import io.roomcast.testing.BenignSubscriber;
import io.roomcast.testing.NodeProcess;
import io.roomcast.testing.NodeWatch;
import io.roomcast.testing.RawWebSocket;
import io.roomcast.testing.Reliability;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Forty users, each within the default per-connection limits (20 SENDs a second, bursts of 50), post
 * messages of almost 64 KiB to their rooms. The resume window is bounded in bytes ({@code --history-max-bytes})
 * as well as by count and age, so the node's heap holds. Filed: the window, bounded by count and age only,
 * filled a 256 MB heap (OutOfMemoryError).
 */
class HeapFillIT {
    private static final int USERS = 40;
    /** A body that keeps the whole SEND frame within the default --max-frame-bytes (64 KiB). */
    private static final int BODY_BYTES = 65_000;
    private static final long HISTORY_MAX_BYTES = 32L * 1024 * 1024;
    /** Just under --max-send-rate 20/s. */
    private static final Duration SEND_PERIOD = Duration.ofMillis(52);
    private static final Duration ATTACK = Duration.ofSeconds(10);

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void usersPostingLargeMessagesWithinTheirLimitsDoNotFillTheHeap() throws Exception {
        try (NodeProcess node = Abuse.start("abuse-heap", "--history-max-bytes", Long.toString(HISTORY_MAX_BYTES));
             NodeWatch watch = NodeWatch.of(node, null)
                     .track("history", t -> NodeWatch.metric(t, "roomcast_history_bytes"))
                     .track("historyMax", t -> NodeWatch.metric(t, "roomcast_history_max_bytes"))
                     .track("heap", t -> NodeWatch.metric(t, "jvm_memory_used_bytes", "area=\"heap\""))
                     .track("in", t -> NodeWatch.metric(t, "roomcast_messages_in_total", "source=\"stomp\""))
                     .track("rateLimited", t -> NodeWatch.metric(t, "roomcast_messages_dropped_total", "reason=\"rate-limited\""))
                     .start(Duration.ofSeconds(120));
             BenignSubscriber benign = BenignSubscriber.start(node, "calm")) {
            List<RawWebSocket> users = new ArrayList<>();
            List<byte[]> sends = new ArrayList<>();
            String body = "m".repeat(BODY_BYTES);
            for (int i = 0; i < USERS; i++) {
                RawWebSocket u = RawWebSocket.connect(node.port(), RawWebSocket.Options.DEFAULT, Duration.ofSeconds(5));
                u.stompConnect("poster-" + i);
                u.send(RawWebSocket.text("SUBSCRIBE\nid:r\ndestination:/topic/room.heap-" + i + "\nreceipt:j\n\n\0"));
                u.nextFrame("RECEIPT");
                users.add(u);
                sends.add(RawWebSocket.text("SEND\ndestination:/app/room.heap-" + i + "\ncontent-length:" + BODY_BYTES
                        + "\n\n" + body + "\0"));
            }
            Abuse.within(Duration.ofSeconds(10), () -> watch.scrapes() >= 2);
            long attackStart = watch.now();
            double in0 = watch.lastBefore("in", attackStart);
            AtomicBoolean stop = new AtomicBoolean();
            // Each user reads (and drops) its own room's messages, as a client that keeps up would.
            List<Thread> readers = new ArrayList<>();
            for (RawWebSocket u : users) {
                Thread t = new Thread(() -> u.discardUntilClosed(stop::get), "poster-reader");
                t.setDaemon(true);
                t.start();
                readers.add(t);
            }
            // Senders: two threads, each paces its half of the users at one SEND per 52 ms.
            List<Thread> senders = new ArrayList<>();
            long[] sent = new long[2];
            String[] sendFailure = new String[1];
            long deadline = System.nanoTime() + ATTACK.toNanos();
            for (int s = 0; s < 2; s++) {
                int half = s;
                Thread t = new Thread(() -> {
                    long next = System.nanoTime();
                    for (int round = 0; round < 1000 && !stop.get() && System.nanoTime() < deadline; round++) {
                        for (int i = half; i < USERS; i += 2) {
                            try {
                                users.get(i).send(sends.get(i));
                                sent[half]++;
                            } catch (IOException e) {
                                sendFailure[0] = "user " + i + ": " + e;
                            }
                        }
                        next += SEND_PERIOD.toNanos();
                        long left = next - System.nanoTime();
                        if (left > 0) {
                            try {
                                TimeUnit.NANOSECONDS.sleep(left); // the users' pace
                            } catch (InterruptedException e) {
                                return;
                            }
                        } else {
                            next = System.nanoTime(); // behind: never burst to catch up
                        }
                    }
                }, "poster-sender-" + s);
                t.setDaemon(true);
                t.start();
                senders.add(t);
            }
            for (Thread t : senders) {
                t.join(Math.max(1, (deadline + TimeUnit.SECONDS.toNanos(10) - System.nanoTime()) / 1_000_000));
            }
            // A sender still blocked 10 s after the attack's end writes to a node that stopped reading: unblock it.
            boolean sendersStuck = senders.stream().anyMatch(Thread::isAlive);
            if (sendersStuck) {
                stop.set(true);
                users.forEach(RawWebSocket::close);
                for (Thread t : senders) {
                    t.join(5_000);
                }
            }
            long attackEnd = watch.now();
            int scrapes = watch.scrapes();
            Abuse.within(Duration.ofSeconds(5), () -> watch.scrapes() > scrapes + 1);
            boolean fenced = benign.fence(Duration.ofSeconds(10));
            long end = watch.now();
            stop.set(true);
            users.forEach(RawWebSocket::close);
            for (Thread t : readers) {
                t.join(5_000);
            }

            BenignSubscriber.Report r = benign.report();
            List<NodeWatch.Sample> history = watch.samples("history", attackStart);
            List<NodeWatch.Sample> historyMax = watch.samples("historyMax", attackStart);
            long overCap = 0;
            long missing = 0;
            for (int i = 0; i < history.size(); i++) {
                double h = history.get(i).value();
                double max = historyMax.get(i).value();
                if (Double.isNaN(h) || Double.isNaN(max)) {
                    missing++;
                } else if (h > max) {
                    overCap++;
                }
            }
            double peakHistory = watch.max("history", attackStart);
            double accepted = watch.max("in", attackStart) - in0;
            double rateLimited = watch.max("rateLimited", attackStart);
            long totalSent = sent[0] + sent[1];
            boolean alive = Abuse.alive(node);
            boolean oom = Abuse.logMentions(node, "OutOfMemoryError");
            Abuse.figures("HeapFillIT", totalSent + " SENDs of " + BODY_BYTES + " bytes by " + USERS + " users in "
                    + (attackEnd - attackStart) + " ms (" + Abuse.mib((double) totalSent * BODY_BYTES) + "), "
                    + accepted + " accepted by the node, " + rateLimited + " refused by the rate limit, send failure: "
                    + sendFailure[0] + (sendersStuck ? ", senders blocked past the end" : "") + " | history bytes peak " + Abuse.mib(peakHistory) + " of "
                    + Abuse.mib(watch.max("historyMax", 0)) + "; " + history.size() + " scrapes, " + overCap
                    + " over the cap, " + missing + " without the metrics | max heap used "
                    + Abuse.mib(watch.max("heap", attackStart)) + ", max RSS " + watch.maxRssKb() / 1024 + " MiB"
                    + " | benign: " + r.describe() + " | " + watch.describeReadiness(attackStart, end) + " | node "
                    + (alive ? "alive" : "DEAD (exit " + exitCode(node) + ")") + (oom ? ", OutOfMemoryError in its log" : "")
                    + " | fence " + fenced);

            SoftAssertions soft = new SoftAssertions();
            BenignSubscriber.check(soft, r, Duration.ofSeconds(2));
            soft.assertThat(sendersStuck).as("the users' SENDs blocked 10 s past the attack's end").isFalse();
            soft.assertThat(history).as("scrapes during the attack").isNotEmpty();
            soft.assertThat(missing).as("scrapes without roomcast_history_bytes or roomcast_history_max_bytes").isZero();
            soft.assertThat(overCap).as("scrapes where roomcast_history_bytes > roomcast_history_max_bytes").isZero();
            soft.assertThat(watch.max("historyMax", 0)).as("roomcast_history_max_bytes").isEqualTo((double) HISTORY_MAX_BYTES);
            soft.assertThat(accepted * BODY_BYTES).as("bytes the node accepted: the window had to evict")
                    .isGreaterThan(2.0 * HISTORY_MAX_BYTES);
            Abuse.checkReady(soft, watch, attackStart, end);
            soft.assertThat(alive).as("the node is alive").isTrue();
            soft.assertThat(oom).as("OutOfMemoryError in the node's log").isFalse();
            soft.assertAll();

            Reliability.record("Abuse limits", USERS + " users each posting ~64 KiB messages to their rooms at 19/s,"
                            + " within --max-send-rate 20/s (-Xmx256m, --history-max-bytes 32 MiB)",
                    "kept the resume window at most " + Abuse.mib(peakHistory) + " (the cap is 32 MiB) while it"
                            + " accepted " + Abuse.mib(accepted * BODY_BYTES) + "; stayed live and ready, no"
                            + " OutOfMemoryError",
                    "a subscriber received all " + r.accepted() + " messages posted meanwhile, in order, max latency "
                            + r.maxLatencyMillis() + " ms",
                    "the oldest messages left the resume window sooner (a resume from before them is recovered:false)",
                    "HeapFillIT");
        }
    }

    private static String exitCode(NodeProcess node) {
        try {
            return Integer.toString(node.process().exitValue());
        } catch (IllegalThreadStateException e) {
            return "?";
        }
    }
}
