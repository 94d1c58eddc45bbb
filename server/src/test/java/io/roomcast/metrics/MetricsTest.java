package io.roomcast.metrics;

import io.roomcast.testing.RawStomp;
import io.roomcast.testing.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.roomcast.testing.RawStomp.header;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** {@code /metrics}: the names and labels exist after traffic, and the counters move by the right amounts. */
class MetricsTest {
    static TestNode node;

    @BeforeAll
    static void start() {
        node = TestNode.start();
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    private static String scrape() {
        HttpResponse<String> r = node.request("GET", "/metrics", null, null);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("text/plain");
        return r.body();
    }

    /** The sum of every sample of {@code name} whose labels contain {@code labels}. */
    private static double value(String scrape, String name, String labels) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "\\{([^}]*)} (\\S+)$").matcher(scrape);
        double sum = 0;
        boolean found = false;
        while (m.find()) {
            if (m.group(1).contains(labels)) {
                sum += Double.parseDouble(m.group(2));
                found = true;
            }
        }
        assertThat(found).as(name + "{" + labels + "} in the scrape").isTrue();
        return sum;
    }

    private static double value(String name, String labels) {
        return value(scrape(), name, labels);
    }

    @Test
    void countersMoveByWhatHappened() {
        try (RawStomp alice = RawStomp.connect(node, "m-alice");
             RawStomp bob = RawStomp.connect(node, "m-bob")) {
            alice.send("SUBSCRIBE\nid:r\ndestination:/topic/room.metrics\nreceipt:a\n\n\0");
            assertThat(header(alice.next("RECEIPT"), "receipt-id")).isEqualTo("a");
            bob.send("SUBSCRIBE\nid:r\ndestination:/topic/room.metrics\nreceipt:b\n\n\0");
            assertThat(header(bob.next("RECEIPT"), "receipt-id")).isEqualTo("b");
            assertThat(header(alice.next("MESSAGE"), "event")).isEqualTo("join"); // bob's join reached alice

            double in = value("roomcast_messages_in_total", "source=\"stomp\"");
            double httpIn = value("roomcast_messages_in_total", "source=\"http\"");
            double out = value("roomcast_messages_out_total", "node=\"test-node\"");
            for (int i = 0; i < 5; i++) {
                alice.send("SEND\ndestination:/app/room.metrics\nreceipt:s" + i + "\n\nhi " + i + "\0");
                assertThat(header(alice.next("RECEIPT"), "receipt-id")).isEqualTo("s" + i);
            }
            assertThat(node.api("POST", "/api/rooms/metrics/messages", "{\"data\":\"from a backend\"}")
                    .statusCode()).isEqualTo(200);
            for (int i = 0; i < 6; i++) {
                bob.next("MESSAGE");
            }
            // 6 messages into a room of two: 12 deliveries (the sender gets its own too).
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                String s = scrape();
                assertThat(value(s, "roomcast_messages_in_total", "source=\"stomp\"")).isEqualTo(in + 5);
                assertThat(value(s, "roomcast_messages_in_total", "source=\"http\"")).isEqualTo(httpIn + 1);
                assertThat(value(s, "roomcast_messages_out_total", "node=\"test-node\"")).isEqualTo(out + 12);
            });

            System.gc(); // the GC pause timer appears with the first collection
            await().atMost(Duration.ofSeconds(5)).until(() -> scrape().contains("jvm_gc_pause_seconds"));
            String s = scrape();
            assertThat(value(s, "roomcast_sessions", "node=\"test-node\"")).isGreaterThanOrEqualTo(2);
            assertThat(value(s, "roomcast_connections", "node=\"test-node\"")).isGreaterThanOrEqualTo(2);
            assertThat(value(s, "roomcast_subscriptions", "node=\"test-node\"")).isGreaterThanOrEqualTo(2);
            assertThat(value(s, "roomcast_rooms", "node=\"test-node\"")).isGreaterThanOrEqualTo(1);
            assertThat(value(s, "roomcast_bus_publish_seconds_count", "result=\"ok\"")).isGreaterThanOrEqualTo(6);
            assertThat(value(s, "roomcast_bus_consume_delay_seconds_count", "node=\"test-node\"")).isGreaterThanOrEqualTo(6);
            assertThat(s).contains("roomcast_bus_consume_lag_seconds{").contains("roomcast_outbound_queue{")
                    .contains("roomcast_build_info{").contains("jvm_memory_used_bytes{")
                    .contains("jvm_gc_pause_seconds").contains("process_cpu_usage{");
        }
    }

    @Test
    void refusalsAndDisconnectsAreCountedByReason() {
        double notMember = 0;
        double client = value("roomcast_disconnects_total", "reason=\"client\"");
        double protocol = value("roomcast_disconnects_total", "reason=\"protocol-error\"");
        try (RawStomp carol = RawStomp.connect(node, "m-carol")) {
            carol.send("SUBSCRIBE\nid:e\ndestination:/user/queue/errors\n\n\0");
            carol.send("SEND\ndestination:/app/room.elsewhere\nreceipt:x\n\nhi\0");
            assertThat(header(carol.next("MESSAGE"), "error")).isEqualTo("not-a-member");
            carol.send("DISCONNECT\nreceipt:bye\n\n\0");
            assertThat(header(carol.next("RECEIPT"), "receipt-id")).isEqualTo("bye");
            carol.awaitClose();
        }
        try (RawStomp broken = RawStomp.connect(node, "m-broken")) {
            broken.send("NONSENSE\n\n\0");
            broken.next("ERROR");
            broken.awaitClose();
        }
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            String s = scrape();
            assertThat(value(s, "roomcast_messages_dropped_total", "reason=\"not-a-member\"")).isGreaterThan(notMember);
            assertThat(value(s, "roomcast_disconnects_total", "reason=\"client\"")).isEqualTo(client + 1);
            assertThat(value(s, "roomcast_disconnects_total", "reason=\"protocol-error\"")).isEqualTo(protocol + 1);
        });
    }

    @Test
    void resumesAreCountedByOutcome() {
        double recovered = value("roomcast_recoveries_total", "outcome=\"recovered\"");
        double lost = value("roomcast_recoveries_total", "outcome=\"not-recovered\"");
        String position = node.api("POST", "/api/rooms/resume-metrics/messages", "{\"data\":\"one\"}").body()
                .replaceAll(".*\"position\":\"([^\"]+)\".*", "$1");
        try (RawStomp dave = RawStomp.connect(node, "m-dave")) {
            dave.send("SUBSCRIBE\nid:r\ndestination:/topic/room.resume-metrics\nsince:" + position + "\n\n\0");
            assertThat(header(dave.next("MESSAGE"), "recovered")).isEqualTo("true");
            dave.send("SUBSCRIBE\nid:q\ndestination:/user/queue/messages\nsince:nonsense.0.0\n\n\0");
            String answer;
            do {
                answer = dave.next("MESSAGE"); // dave's own join event may come first
            } while (!"recovery".equals(header(answer, "event")));
            assertThat(header(answer, "recovered")).isEqualTo("false");
        }
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            String s = scrape();
            assertThat(value(s, "roomcast_recoveries_total", "outcome=\"recovered\"")).isEqualTo(recovered + 1);
            assertThat(value(s, "roomcast_recoveries_total", "outcome=\"not-recovered\"")).isEqualTo(lost + 1);
        });
    }

    /** Every metric the shipped Grafana dashboard queries exists in a scrape, once there was traffic of each kind. */
    @Test
    void theDashboardQueriesOnlyMetricsTheNodeHas() throws Exception {
        try (RawStomp erin = RawStomp.connect(node, "m-erin")) {
            erin.send("SUBSCRIBE\nid:e\ndestination:/user/queue/errors\n\n\0");
            erin.send("SEND\ndestination:/app/room.nowhere\n\nhi\0");
            assertThat(header(erin.next("MESSAGE"), "error")).isEqualTo("not-a-member");
        }
        try {
            RawStomp.openWith(node.wsUrl(), java.util.Map.of("Origin", "https://evil.example")).close();
        } catch (java.util.concurrent.ExecutionException refused) {
            // counted as the "origin" limit
        }
        String dashboard = java.nio.file.Files.readString(java.nio.file.Path.of("..", "deploy", "grafana",
                "roomcast-dashboard.json"));
        java.util.Set<String> queried = new java.util.TreeSet<>();
        Matcher m = Pattern.compile("\\b((?:roomcast|jvm|process)_[a-z_]+)").matcher(dashboard);
        while (m.find()) {
            queried.add(m.group(1));
        }
        assertThat(queried).hasSizeGreaterThan(10);
        System.gc(); // the GC pause timer appears with the first collection
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            String s = scrape();
            for (String name : queried) {
                assertThat(s).as(name).containsPattern("(?m)^" + Pattern.quote(name) + "[{ ]");
            }
        });
    }
}
