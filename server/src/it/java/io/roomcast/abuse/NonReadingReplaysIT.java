package io.roomcast.abuse;

import io.roomcast.bus.Position;
import io.roomcast.testing.Abuse;
import io.roomcast.testing.BenignSubscriber;
import io.roomcast.testing.Flood;
import io.roomcast.testing.NodeProcess;
import io.roomcast.testing.NodeWatch;
import io.roomcast.testing.RawHttp;
import io.roomcast.testing.RawWebSocket;
import io.roomcast.testing.Reliability;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Replays are output like any other: a client that never reads asks, in one small WebSocket message, for ten
 * replays of the whole resume window (SUBSCRIBE with {@code since} at the window's floor, then UNSUBSCRIBE),
 * again and again. The node streams replays under the connection's budget, pauses them while the client is
 * past it, stops reading the client, and closes it after the grace period. Filed: one ~1 KB message queued
 * 118 MB of replays.
 */
class NonReadingReplaysIT {
    private static final int BUDGET = 256 * 1024;
    private static final Duration GRACE = Duration.ofSeconds(2);
    private static final int WINDOW_MESSAGES = 200;
    private static final int MESSAGE_BYTES = 4000;

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void replaysAskedForByAClientThatNeverReadsStayWithinItsBudget() throws Exception {
        try (NodeProcess node = Abuse.start("abuse-replays", "--outbound-queue-bytes", Integer.toString(BUDGET),
                "--slow-consumer-grace", "2s",
                // The subscribe rate and the refusal budget would stop this client before its replays fill its
                // queue: off, so that what is tested here is the outbound budget.
                "--max-refusal-rate", "0", "--max-subscribe-rate", "0");
             NodeWatch watch = NodeWatch.of(node, null)
                     .track("direct", t -> NodeWatch.metric(t, "jvm_buffer_memory_used_bytes", "id=\"direct\""))
                     .track("queue", t -> NodeWatch.metric(t, "roomcast_outbound_queue"))
                     .track("slow", t -> NodeWatch.metric(t, "roomcast_disconnects_total", "reason=\"slow-consumer\""))
                     .track("recoveries", t -> NodeWatch.metric(t, "roomcast_recoveries_total"))) {
            String since = fillWindow(node);
            watch.start(Duration.ofSeconds(120));
            try (BenignSubscriber benign = BenignSubscriber.start(node, "calm")) {
                Abuse.within(Duration.ofSeconds(10), () -> watch.scrapes() >= 2);
                long attackStart = watch.now();
                double direct0 = watch.lastBefore("direct", attackStart);
                double slow0 = watch.lastBefore("slow", attackStart);
                double recoveries0 = watch.lastBefore("recoveries", attackStart);
                long rss0 = watch.rssKb();

                RawWebSocket attacker = RawWebSocket.connect(node.port(),
                        RawWebSocket.Options.DEFAULT.withReceiveBuffer(4096), Duration.ofSeconds(5));
                attacker.stompConnect("replayer");
                // Stays in the room with one subscription, so that the others add no join or leave to the window.
                attacker.send(RawWebSocket.text("SUBSCRIBE\nid:keep\ndestination:/topic/room.hist\nreceipt:k\n\n\0"));
                attacker.nextFrame("RECEIPT");
                byte[] message = tenReplays(since);
                // From here on the attacker never reads.
                Flood flood = Flood.start("replays", attacker.out(), i -> message, 5_000, Duration.ofSeconds(30));
                Abuse.within(GRACE.plus(Duration.ofSeconds(10)), flood::cut);
                long attackEnd = watch.now();
                boolean throttled = flood.throttled(Duration.ofSeconds(2));
                flood.stopping();
                attacker.close();
                flood.close();

                boolean fenced = benign.fence(Duration.ofSeconds(10));
                int scrapes = watch.scrapes();
                // /metrics is a rendering at most a second old (--metrics-min-interval): wait for one that has the cut.
                Abuse.within(Duration.ofSeconds(5), () -> watch.scrapes() > scrapes + 1
                        && watch.max("slow", attackStart) - slow0 >= 1);
                long end = watch.now();
                BenignSubscriber.Report r = benign.report();
                double directGrowth = watch.max("direct", attackStart) - direct0;
                double maxQueue = watch.max("queue", attackStart);
                double slowCuts = watch.max("slow", attackStart) - slow0;
                double replaysStarted = watch.max("recoveries", attackStart) - recoveries0;
                long rssGrowthKb = watch.maxRssKb() - rss0;
                boolean alive = Abuse.alive(node);
                boolean oom = Abuse.logMentions(node, "OutOfMemoryError");
                Abuse.figures("NonReadingReplaysIT", flood.describe() + " (" + message.length + "-byte messages of 10"
                        + " whole-window replays, " + WINDOW_MESSAGES * MESSAGE_BYTES / 1024 + " KiB each)"
                        + " | throttled " + throttled + " | direct memory +" + Abuse.mib(directGrowth)
                        + ", max outbound queue " + Abuse.mib(maxQueue) + ", RSS +" + rssGrowthKb / 1024 + " MiB"
                        + ", slow-consumer disconnects +" + slowCuts + ", replays started " + replaysStarted
                        + " | benign: " + r.describe() + " | " + watch.describeReadiness(attackStart, end)
                        + " | node " + (alive ? "alive" : "DEAD") + (oom ? ", OutOfMemoryError in its log" : "")
                        + " | fence " + fenced);

                SoftAssertions soft = new SoftAssertions();
                BenignSubscriber.check(soft, r, Duration.ofSeconds(2));
                soft.assertThat(flood.cut() || throttled)
                        .as("the node cut or stopped reading the non-reading client (%s)", flood.describe()).isTrue();
                soft.assertThat(directGrowth).as("growth of the node's direct memory (bytes)").isLessThan(16.0 * 1024 * 1024);
                if (!Double.isNaN(maxQueue)) {
                    soft.assertThat(maxQueue).as("roomcast_outbound_queue (bytes)").isLessThan(4.0 * 1024 * 1024);
                }
                Abuse.checkReady(soft, watch, attackStart, end);
                soft.assertThat(alive).as("the node is alive").isTrue();
                soft.assertThat(oom).as("OutOfMemoryError in the node's log").isFalse();
                soft.assertAll();

                Reliability.record("Slow clients", "a client that never reads sends, again and again, one ~"
                                + message.length / 100 * 100 + "-byte WebSocket message of 10 x (SUBSCRIBE since the"
                                + " window's floor + UNSUBSCRIBE), each a replay of " + WINDOW_MESSAGES + " x 4 KB"
                                + " (--outbound-queue-bytes 256 KiB, --slow-consumer-grace 2s)",
                        "started " + (long) replaysStarted + " of the replays asked for, stopped reading it (its"
                                + " writes blocked up to " + flood.longestStall().toMillis() + " ms)"
                                + (flood.cut() ? " and closed it " + flood.cutAfter().toMillis() + " ms after it began"
                                : "") + "; direct memory grew by " + Abuse.mib(directGrowth),
                        "a subscriber on the same node received all " + r.accepted() + " messages posted meanwhile,"
                                + " in order, max latency " + r.maxLatencyMillis() + " ms; /health/ready answered 200"
                                + " to all " + watch.polls(attackStart, end).size() + " polls",
                        "nothing", "NonReadingReplaysIT");
            }
        }
    }

    /** Posts the window's messages to room "hist"; @return the position just before the first of them */
    private static String fillWindow(NodeProcess node) throws Exception {
        String data = "h".repeat(MESSAGE_BYTES);
        String first = null;
        try (RawHttp http = RawHttp.open(node.port(), null, Duration.ofSeconds(5))) {
            for (int i = 0; i < WINDOW_MESSAGES; i++) {
                RawHttp.Response r = http.request("POST", "/api/rooms/hist/messages", "{\"data\":\"" + data + "\"}",
                        Duration.ofSeconds(5), "Authorization", "Bearer " + NodeProcess.API_KEY);
                assertThat(r.status()).as("post %d: %s", i, r.body()).isEqualTo(200);
                if (first == null) {
                    first = r.body().replaceAll(".*\"position\"\\s*:\\s*\"([^\"]+)\".*", "$1");
                }
            }
        }
        Position p = Position.parse(first);
        assertThat(p).as("position %s", first).isNotNull();
        return new Position(p.epoch(), p.partition(), p.offset() - 1).toString();
    }

    /** Ten whole-window replays in one WebSocket message. */
    private static byte[] tenReplays(String since) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 10; i++) {
            sb.append("SUBSCRIBE\nid:s").append(i).append("\ndestination:/topic/room.hist\nsince:").append(since)
                    .append("\n\n\0UNSUBSCRIBE\nid:s").append(i).append("\n\n\0");
        }
        return RawWebSocket.text(sb.toString());
    }
}
