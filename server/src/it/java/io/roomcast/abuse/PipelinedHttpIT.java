package io.roomcast.abuse;

import io.roomcast.testing.Abuse;
import io.roomcast.testing.BenignSubscriber;
import io.roomcast.testing.Flood;
import io.roomcast.testing.NodeProcess;
import io.roomcast.testing.NodeWatch;
import io.roomcast.testing.RawHttp;
import io.roomcast.testing.Reliability;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One keep-alive connection pipelines tens of thousands of {@code GET /metrics} and never reads an answer,
 * while 20 honest scrapers read theirs in a loop. The node answers a connection's requests one at a time
 * (the next is not read until the previous answer is flushed), so the pipeliner only stalls itself, and it
 * renders {@code /metrics} at most once per {@code --metrics-min-interval}. Filed: 61,700 pipelined
 * requests stalled deliveries for 6-10 s.
 */
class PipelinedHttpIT {
    private static final int REQUESTS_PER_CHUNK = 1000;
    private static final int CHUNKS = 60;
    private static final int SCRAPERS = 20;

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void pipelinedRequestsThatAreNeverReadStallOnlyTheirOwnConnection() throws Exception {
        try (NodeProcess node = Abuse.start("abuse-pipelined", "--metrics-min-interval", "1s");
             NodeWatch watch = NodeWatch.of(node, null)
                     .track("direct", t -> NodeWatch.metric(t, "jvm_buffer_memory_used_bytes", "id=\"direct\""))
                     .track("heap", t -> NodeWatch.metric(t, "jvm_memory_used_bytes", "area=\"heap\""))
                     .start(Duration.ofSeconds(120));
             BenignSubscriber benign = BenignSubscriber.start(node, "calm")) {
            Abuse.within(Duration.ofSeconds(10), () -> watch.scrapes() >= 2);
            long attackStart = watch.now();
            double direct0 = watch.lastBefore("direct", attackStart);
            long rss0 = watch.rssKb();

            AtomicBoolean stop = new AtomicBoolean();
            List<Scraper> scrapers = new ArrayList<>();
            for (int i = 0; i < SCRAPERS; i++) {
                scrapers.add(new Scraper(node.port(), stop, i));
            }
            scrapers.forEach(s -> s.thread.start());

            Socket pipeliner = new Socket();
            pipeliner.setReceiveBufferSize(4096);
            pipeliner.setSendBufferSize(8192);
            pipeliner.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), node.port()), 5000);
            byte[] chunk = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n".repeat(REQUESTS_PER_CHUNK)
                    .getBytes(StandardCharsets.US_ASCII);
            Flood flood = Flood.start("pipelined", pipeliner.getOutputStream(), i -> chunk, CHUNKS, Duration.ofSeconds(30));
            // The attack lasts 12 s (or until the node cuts the pipeliner); its blocked writes show the throttle.
            Abuse.within(Duration.ofSeconds(12), flood::cut);
            long attackEnd = watch.now();
            boolean throttled = flood.throttled(Duration.ofSeconds(3));
            int requestsWritten = flood.chunks() * REQUESTS_PER_CHUNK;
            stop.set(true);
            for (Scraper s : scrapers) {
                s.thread.join(10_000);
            }
            flood.stopping();
            pipeliner.close();
            flood.close();

            boolean fenced = benign.fence(Duration.ofSeconds(10));
            long end = watch.now();
            BenignSubscriber.Report r = benign.report();
            double directGrowth = watch.max("direct", attackStart) - direct0;
            double maxHeap = watch.max("heap", attackStart);
            long rssGrowthKb = watch.maxRssKb() - rss0;
            long scrapes = scrapers.stream().mapToLong(s -> s.answers).sum();
            long scrapeFailures = scrapers.stream().mapToLong(s -> s.failures).sum();
            long slowestScrape = scrapers.stream().mapToLong(s -> s.slowestMillis).max().orElse(0);
            long idleScrapers = scrapers.stream().filter(s -> s.answers == 0).count();
            String firstScrapeFailure = scrapers.stream().map(s -> s.firstFailure).filter(f -> f != null).findFirst()
                    .orElse("none");
            boolean alive = Abuse.alive(node);
            boolean oom = Abuse.logMentions(node, "OutOfMemoryError");
            Abuse.figures("PipelinedHttpIT", flood.describe() + " (" + requestsWritten + " requests fully written)"
                    + " | throttled " + throttled + " | scrapers: " + scrapes + " answers, " + scrapeFailures
                    + " failures (first: " + firstScrapeFailure + "), slowest " + slowestScrape + " ms, " + idleScrapers
                    + " got none | direct memory +" + Abuse.mib(directGrowth) + ", max heap used " + Abuse.mib(maxHeap)
                    + ", RSS +" + rssGrowthKb / 1024 + " MiB | benign: " + r.describe() + " | "
                    + watch.describeReadiness(attackStart, end) + " | node " + (alive ? "alive" : "DEAD")
                    + (oom ? ", OutOfMemoryError in its log" : "") + " | fence " + fenced);

            SoftAssertions soft = new SoftAssertions();
            BenignSubscriber.check(soft, r, Duration.ofSeconds(2));
            soft.assertThat(throttled || flood.cut())
                    .as("the node stopped reading the pipeliner (a write blocked 3 s) or cut it (%s)", flood.describe())
                    .isTrue();
            soft.assertThat(idleScrapers).as("scrapers that got no answer").isZero();
            soft.assertThat(scrapeFailures).as("scrapes that failed (first: %s)", firstScrapeFailure).isZero();
            soft.assertThat(slowestScrape).as("the slowest scrape answer (ms)").isLessThan(5000);
            soft.assertThat(directGrowth).as("growth of the node's direct memory (bytes)").isLessThan(16.0 * 1024 * 1024);
            Abuse.checkReady(soft, watch, attackStart, end);
            soft.assertThat(alive).as("the node is alive").isTrue();
            soft.assertThat(oom).as("OutOfMemoryError in the node's log").isFalse();
            soft.assertAll();

            Reliability.record("Abuse limits", "one keep-alive connection pipelines up to "
                            + CHUNKS * REQUESTS_PER_CHUNK + " GET /metrics and never reads, while 20 scrapers read theirs"
                            + " (--metrics-min-interval 1s)",
                    (flood.cut() ? "closed the pipeliner" : "stopped reading the pipeliner (its write blocked "
                            + flood.longestStall().toMillis() + " ms)") + " once " + flood.bytes() / 1024
                            + " KiB of requests had been sent; direct memory grew by " + Abuse.mib(directGrowth),
                    "the scrapers got " + scrapes + " answers, the slowest in " + slowestScrape + " ms; a subscriber"
                            + " received all " + r.accepted() + " messages posted meanwhile, in order, max latency "
                            + r.maxLatencyMillis() + " ms; /health/ready answered 200 to all "
                            + watch.polls(attackStart, end).size() + " polls",
                    "nothing", "PipelinedHttpIT");
        }
    }

    /** An honest scraper: one keep-alive connection, GET /metrics, read the answer, 10 ms, again. */
    private static final class Scraper {
        final Thread thread;
        volatile long answers;
        volatile long failures;
        volatile long slowestMillis;
        volatile String firstFailure;

        Scraper(int port, AtomicBoolean stop, int n) {
            thread = new Thread(() -> {
                RawHttp http = null;
                for (int i = 0; i < 100_000 && !stop.get(); i++) {
                    try {
                        if (http == null) {
                            http = RawHttp.open(port, null, Duration.ofSeconds(5));
                        }
                        RawHttp.Response resp = http.request("GET", "/metrics", null, Duration.ofSeconds(5));
                        slowestMillis = Math.max(slowestMillis, resp.millis());
                        if (resp.status() == 200) {
                            answers++;
                        } else {
                            fail("status " + resp.status());
                        }
                        if (resp.closesConnection()) {
                            http.close();
                            http = null;
                        }
                        Thread.sleep(10); // a scraper's pace, not a wait for an outcome
                    } catch (IOException e) {
                        fail(e.toString());
                        if (http != null) {
                            http.close();
                            http = null;
                        }
                    } catch (InterruptedException e) {
                        break;
                    }
                }
                if (http != null) {
                    http.close();
                }
            }, "scraper-" + n);
            thread.setDaemon(true);
        }

        private void fail(String why) {
            failures++;
            if (firstFailure == null) {
                firstFailure = why;
            }
        }
    }
}
