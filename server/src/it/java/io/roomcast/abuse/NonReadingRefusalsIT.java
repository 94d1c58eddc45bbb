package io.roomcast.abuse;

import io.roomcast.testing.Abuse;
import io.roomcast.testing.BenignSubscriber;
import io.roomcast.testing.Flood;
import io.roomcast.testing.NodeProcess;
import io.roomcast.testing.NodeWatch;
import io.roomcast.testing.RawWebSocket;
import io.roomcast.testing.Reliability;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A client that never reads and keeps asking for things the node refuses: every SUBSCRIBE to an unknown
 * destination is answered with a MESSAGE of about 600 bytes on {@code /user/queue/errors}, about twelve times
 * what the request cost. Refusals count against the connection's one outbound budget like deliveries: past
 * it the node stops reading the client, and closes it when it is still past it after the grace period.
 * Filed: such a client grew its queue to 300 MB and a bystander on its event loop lost 1,064 messages.
 */
class NonReadingRefusalsIT {
    private static final int BUDGET = 256 * 1024;
    private static final Duration GRACE = Duration.ofSeconds(2);
    /** Time to fill the kernel's buffers and the budget, and to see the close, on top of the grace period. */
    private static final Duration MARGIN = Duration.ofSeconds(4);

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void aClientThatProvokesRefusalsAndNeverReadsIsClosedAndCostsNobodyAMessage() throws Exception {
        try (NodeProcess node = Abuse.start("abuse-refusals", "--outbound-queue-bytes", Integer.toString(BUDGET),
                "--slow-consumer-grace", "2s",
                // The refusal budget would close this client after 50 refusals, long before its queue fills:
                // off, so that what is tested here is the outbound budget (CommandLimitsTest has the other).
                "--max-refusal-rate", "0", "--max-subscribe-rate", "0");
             NodeWatch watch = NodeWatch.of(node, null)
                     .track("direct", t -> NodeWatch.metric(t, "jvm_buffer_memory_used_bytes", "id=\"direct\""))
                     .track("queue", t -> NodeWatch.metric(t, "roomcast_outbound_queue"))
                     .track("slow", t -> NodeWatch.metric(t, "roomcast_disconnects_total", "reason=\"slow-consumer\""))
                     .start(Duration.ofSeconds(120));
             BenignSubscriber benign = BenignSubscriber.start(node, "calm")) {
            Abuse.within(Duration.ofSeconds(10), () -> watch.scrapes() >= 2);
            long attackStart = watch.now();
            double direct0 = watch.lastBefore("direct", attackStart);
            double slow0 = watch.lastBefore("slow", attackStart);
            long rss0 = watch.rssKb();

            RawWebSocket attacker = RawWebSocket.connect(node.port(),
                    RawWebSocket.Options.DEFAULT.withReceiveBuffer(4096), Duration.ofSeconds(5));
            attacker.stompConnect("refusenik");
            // From here on the attacker never reads. One WebSocket message carries 50 refused SUBSCRIBEs.
            Flood flood = Flood.start("refusals", attacker.out(), NonReadingRefusalsIT::refusedSubscribes, 100_000,
                    Duration.ofSeconds(30));
            Abuse.within(GRACE.plus(MARGIN).plus(Duration.ofSeconds(6)), flood::cut);
            long attackEnd = watch.now();
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
            long rssGrowthKb = watch.maxRssKb() - rss0;
            boolean alive = Abuse.alive(node);
            boolean oom = Abuse.logMentions(node, "OutOfMemoryError");
            Abuse.figures("NonReadingRefusalsIT", flood.describe() + " | direct memory +" + Abuse.mib(directGrowth)
                    + ", max outbound queue " + Abuse.mib(maxQueue) + ", RSS +" + rssGrowthKb / 1024 + " MiB"
                    + ", slow-consumer disconnects +" + slowCuts + " | benign: " + r.describe() + " | "
                    + watch.describeReadiness(attackStart, end) + " | node " + (alive ? "alive" : "DEAD")
                    + (oom ? ", OutOfMemoryError in its log" : "") + " | fence " + fenced);

            SoftAssertions soft = new SoftAssertions();
            BenignSubscriber.check(soft, r, Duration.ofSeconds(2));
            soft.assertThat(flood.cut()).as("the node closed the non-reading client (%s)", flood.describe()).isTrue();
            if (flood.cut()) {
                soft.assertThat(flood.cutAfter()).as("closed within the grace period plus %s", MARGIN)
                        .isLessThanOrEqualTo(GRACE.plus(MARGIN));
            }
            soft.assertThat(slowCuts).as("roomcast_disconnects_total{reason=\"slow-consumer\"} rose").isGreaterThanOrEqualTo(1);
            soft.assertThat(directGrowth).as("growth of the node's direct memory (bytes)").isLessThan(16.0 * 1024 * 1024);
            if (!Double.isNaN(maxQueue)) {
                soft.assertThat(maxQueue).as("roomcast_outbound_queue (bytes)").isLessThan(4.0 * 1024 * 1024);
            }
            Abuse.checkReady(soft, watch, attackStart, end);
            soft.assertThat(alive).as("the node is alive").isTrue();
            soft.assertThat(oom).as("OutOfMemoryError in the node's log").isFalse();
            soft.assertAll();

            Reliability.record("Slow clients", "a client that never reads and keeps sending SUBSCRIBEs to unknown"
                            + " destinations, each refused with a ~600-byte MESSAGE (--outbound-queue-bytes 256 KiB,"
                            + " --slow-consumer-grace 2s)",
                    "stopped reading it once its refusals passed the budget (its writes blocked up to "
                            + flood.longestStall().toMillis() + " ms) and closed it as a slow consumer "
                            + flood.cutAfter().toMillis() + " ms after it began; direct memory grew by "
                            + Abuse.mib(directGrowth) + ", the outbound queue peaked at " + Abuse.mib(maxQueue),
                    "a subscriber on the same node received all " + r.accepted() + " messages posted meanwhile, in"
                            + " order, max latency " + r.maxLatencyMillis() + " ms; /health/ready answered 200 to all "
                            + watch.polls(attackStart, end).size() + " polls",
                    "nothing", "NonReadingRefusalsIT");
        }
    }

    /** One WebSocket message of 50 SUBSCRIBE frames to destinations that don't exist. */
    private static byte[] refusedSubscribes(int chunk) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 50; i++) {
            int n = chunk * 50 + i;
            sb.append("SUBSCRIBE\nid:").append(n).append("\ndestination:/topic/nope-").append(n).append("\n\n\0");
        }
        return RawWebSocket.text(sb.toString());
    }
}
