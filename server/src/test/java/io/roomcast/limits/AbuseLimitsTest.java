package io.roomcast.limits;

import io.roomcast.config.Settings;
import io.roomcast.testing.RawStomp;
import io.roomcast.testing.Reliability;
import io.roomcast.testing.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static io.roomcast.testing.RawStomp.header;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Each abuse limit triggers with its reason, and a benign client beside the abuse keeps its latency.
 * Addresses other than 127.0.0.1 come from X-Forwarded-For, which this node honours from loopback because it
 * names loopback in {@code --trusted-proxies} (as a node behind a local nginx would), so that each test has
 * its own client address. By default no proxy is trusted, and the last test pins that.
 */
class AbuseLimitsTest {
    static TestNode node;

    @BeforeAll
    static void start() {
        node = TestNode.start(s -> {
            s.maxSendRate = 5;
            s.maxSendBurst = 10;
            s.maxConnectionsPerIp = 3;
            s.maxConnectRatePerIp = 1;
            s.maxConnectBurstPerIp = 5;
            s.maxRoomsPerUser = 2;
            s.maxRefusalRate = 1;
            s.maxRefusalBurst = 10;
            s.trustedProxies = "127.0.0.1/32";
        });
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    private static RawStomp connectFrom(String address, String user) throws Exception {
        RawStomp raw = RawStomp.openWith(node.wsUrl(), Map.of("X-Forwarded-For", address));
        raw.send("CONNECT\naccept-version:1.2\nhost:x\nlogin:" + user + "\n\n\0");
        assertThat(raw.next()).startsWith("CONNECTED\n");
        return raw;
    }

    /** The upgrade's refusal: status and JSON body. */
    private static String refusal(String address, Map<String, String> headers) {
        return refusal(node, address, headers);
    }

    private static String refusal(TestNode to, String address, Map<String, String> headers) {
        try {
            Map<String, String> all = new java.util.HashMap<>(headers);
            all.put("X-Forwarded-For", address);
            RawStomp.openWith(to.wsUrl(), all).close();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof WebSocketHandshakeException h) {
                return h.getResponse().statusCode() + " " + h.getResponse().body();
            }
            throw new AssertionError(e);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        return fail("the upgrade was accepted");
    }

    @Test
    void sendsPastTheRateAreRefusedAndAFloodIsClosed() throws Exception {
        try (RawStomp raw = connectFrom("203.0.113.1", "chatty")) {
            raw.send("SUBSCRIBE\nid:e\ndestination:/user/queue/errors\n\n\0");
            raw.send("SUBSCRIBE\nid:r\ndestination:/topic/room.rate\nreceipt:in\n\n\0");
            assertThat(header(raw.next("RECEIPT"), "receipt-id")).isEqualTo("in");
            for (int i = 0; i < 40 && !raw.isClosed(); i++) {
                raw.send("SEND\ndestination:/app/room.rate\nreceipt:s" + i + "\n\nhello\0");
            }
            String error = raw.next("ERROR");
            assertThat(header(error, "message")).contains("more than 10 requests refused")
                    .contains("sending faster than 5.0 messages a second");
            assertThat(raw.awaitClose()).isEqualTo(1008);
        }
        // What it got before the close: the burst published, then refusals that say why.
        // (Checked through the metrics the node counted, since the frames are already consumed above.)
        assertThat(node.metrics())
                .containsPattern("roomcast_messages_dropped_total\\{[^}]*reason=\"rate-limited\"[^}]*} [1-9]")
                .containsPattern("roomcast_limits_triggered_total\\{limit=\"send-rate\"[^}]*} [1-9]");
        Reliability.record("Abuse limits", "a connection sending 40 SENDs at once (--max-send-rate 5, burst 10)",
                "published the burst, refused the rest with error:rate-limited, then, its 10 refusals spent"
                        + " (--max-refusal-burst 10, --max-refusal-rate 1), sent ERROR and closed 1008", "nothing: other connections are not rate-limited by it",
                "only the refused SENDs, each answered as refused", "AbuseLimitsTest");
    }

    @Test
    void aRefusedSendSaysRateLimitedWithItsReceipt() throws Exception {
        try (RawStomp raw = connectFrom("203.0.113.2", "burst")) {
            raw.send("SUBSCRIBE\nid:e\ndestination:/user/queue/errors\n\n\0");
            raw.send("SUBSCRIBE\nid:r\ndestination:/topic/room.burst\nreceipt:in\n\n\0");
            assertThat(header(raw.next("RECEIPT"), "receipt-id")).isEqualTo("in");
            for (int i = 0; i < 11; i++) {
                raw.send("SEND\ndestination:/app/room.burst\nreceipt:s" + i + "\n\nhello\0");
            }
            String refused = null;
            for (int i = 0; i < 40 && refused == null; i++) {
                String frame = raw.next();
                if (frame.startsWith("MESSAGE") && "rate-limited".equals(header(frame, "error"))) {
                    refused = frame;
                }
            }
            assertThat(refused).isNotNull();
            assertThat(header(refused, "receipt-id")).isEqualTo("s10");
            assertThat(RawStomp.body(refused)).contains("was not carried out");
            assertThat(raw.isClosed()).isFalse();
            Reliability.record("Abuse limits", "one SEND over the burst", "refused it with error:rate-limited and"
                    + " its receipt-id; the connection stays open", "nothing", "that one SEND, answered as refused",
                    "AbuseLimitsTest");
        }
    }

    @Test
    void connectionsPerAddressAreCapped() throws Exception {
        List<RawStomp> open = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                open.add(connectFrom("203.0.113.3", "cap" + i));
            }
            assertThat(refusal("203.0.113.3", Map.of())).startsWith("429")
                    .contains("connections-per-ip").contains("too many connections from 203.0.113.3");
            Reliability.record("Abuse limits", "a 4th connection from one address (--max-connections-per-ip 3)",
                    "HTTP 429 connections-per-ip before the upgrade", "nothing; the 3 open connections stay",
                    "nothing", "AbuseLimitsTest");
        } finally {
            open.forEach(RawStomp::close);
        }
    }

    @Test
    void connectingTooFastFromOneAddressIsRefusedAndOthersAreNot() throws Exception {
        for (int i = 0; i < 5; i++) {
            connectFrom("203.0.113.4", "fast" + i).close(); // the burst
        }
        assertThat(refusal("203.0.113.4", Map.of())).startsWith("429").contains("connect-rate-per-ip")
                .contains("connecting too fast from 203.0.113.4");
        connectFrom("203.0.113.5", "other").close();
        Reliability.record("Abuse limits", "6 connections at once from one address (--max-connect-rate-per-ip 1,"
                + " burst 5), X-Forwarded-For from the trusted proxy", "HTTP 429 connect-rate-per-ip for the 6th",
                "another address connects at once", "nothing", "AbuseLimitsTest");
    }

    @Test
    void browsersFromOtherOriginsAreRefused() throws Exception {
        assertThat(refusal("203.0.113.6", Map.of("Origin", "https://evil.example"))).startsWith("403")
                .contains("origin-not-allowed").contains("--allowed-origins");
        try (RawStomp own = RawStomp.openWith(node.wsUrl(), Map.of("Origin", "http://127.0.0.1:" + node.port(),
                "X-Forwarded-For", "203.0.113.7"))) {
            own.send("CONNECT\naccept-version:1.2\nhost:x\nlogin:same-origin\n\n\0");
            assertThat(own.next()).startsWith("CONNECTED\n");
        }
        Reliability.record("Abuse limits", "a browser upgrade with Origin https://evil.example", "HTTP 403"
                + " origin-not-allowed; its own origin is accepted", "nothing", "nothing", "AbuseLimitsTest");
    }

    @Test
    void aUserMayBeInOnlySoManyRooms() throws Exception {
        try (RawStomp one = connectFrom("203.0.113.8", "roamer");
             RawStomp two = connectFrom("203.0.113.8", "roamer")) {
            one.send("SUBSCRIBE\nid:e\ndestination:/user/queue/errors\n\n\0");
            two.send("SUBSCRIBE\nid:e\ndestination:/user/queue/errors\n\n\0");
            one.send("SUBSCRIBE\nid:1\ndestination:/topic/room.r1\nreceipt:1\n\n\0");
            assertThat(header(one.next("RECEIPT"), "receipt-id")).isEqualTo("1");
            two.send("SUBSCRIBE\nid:2\ndestination:/topic/room.r2\nreceipt:2\n\n\0");
            assertThat(header(two.next("RECEIPT"), "receipt-id")).isEqualTo("2");
            // The same room again is not one more room.
            two.send("SUBSCRIBE\nid:1\ndestination:/topic/room.r1\nreceipt:again\n\n\0");
            assertThat(header(two.next("RECEIPT"), "receipt-id")).isEqualTo("again");
            one.send("SUBSCRIBE\nid:3\ndestination:/topic/room.r3\nreceipt:3\n\n\0");
            String refused;
            do {
                refused = one.next("MESSAGE"); // room events may come first
            } while (!"error".equals(header(refused, "event")));
            assertThat(header(refused, "error")).as(refused).isEqualTo("too-many-rooms");
            assertThat(header(refused, "receipt-id")).isEqualTo("3");
            assertThat(RawStomp.body(refused)).contains("--max-rooms-per-user");
            Reliability.record("Abuse limits", "a user entering a 3rd room over two connections"
                    + " (--max-rooms-per-user 2)", "refused the SUBSCRIBE with error:too-many-rooms; rooms it is"
                    + " already in are allowed", "nothing", "nothing", "AbuseLimitsTest");
        }
    }

    @Test
    void theNodesConnectionCapAnswers503() throws Exception {
        try (TestNode small = TestNode.start(s -> s.maxConnections = 2);
             RawStomp a = RawStomp.connect(small, "a");
             RawStomp b = RawStomp.connect(small, "b")) {
            try {
                RawStomp.openWith(small.wsUrl(), Map.of()).close();
                fail("a third connection was accepted");
            } catch (ExecutionException e) {
                WebSocketHandshakeException h = (WebSocketHandshakeException) e.getCause();
                assertThat(h.getResponse().statusCode()).isEqualTo(503);
                assertThat(String.valueOf(h.getResponse().body())).contains("this node is full (2 connections)");
            }
            assertThat(a.isClosed()).isFalse();
        }
        Reliability.record("Abuse limits", "a 3rd connection to a node with --max-connections 2",
                "HTTP 503 connections (\"this node is full\") before the upgrade", "the 2 open connections stay",
                "nothing", "AbuseLimitsTest");
    }

    /**
     * With the default {@code --trusted-proxies} (none), a loopback client's X-Forwarded-For is ignored: its
     * connections count against 127.0.0.1, whatever address each one claims. Were the header believed, each
     * claimed address would have a limit of its own and the third connection would be accepted.
     */
    @Test
    void byDefaultNoProxyIsTrustedSoForwardedForIsIgnored() throws Exception {
        List<RawStomp> open = new ArrayList<>();
        try (TestNode plain = TestNode.start(s -> s.maxConnectionsPerIp = 2)) {
            for (String claimed : List.of("203.0.113.50", "203.0.113.51")) {
                RawStomp raw = RawStomp.openWith(plain.wsUrl(), Map.of("X-Forwarded-For", claimed));
                open.add(raw);
                raw.send("CONNECT\naccept-version:1.2\nhost:x\nlogin:claims-" + claimed + "\n\n\0");
                assertThat(raw.next()).startsWith("CONNECTED\n");
            }
            assertThat(refusal(plain, "203.0.113.52", Map.of())).startsWith("429").contains("connections-per-ip")
                    .contains("too many connections from 127.0.0.1");
            assertThat(Settings.defaults().trustedProxies).as("the default").isEmpty();
        } finally {
            open.forEach(RawStomp::close);
        }
        Reliability.record("Abuse limits", "connections from loopback, each claiming another address in"
                + " X-Forwarded-For, with the default --trusted-proxies (none)", "the header is ignored: the 3rd"
                + " connection gets HTTP 429 connections-per-ip for 127.0.0.1", "nothing", "nothing",
                "AbuseLimitsTest");
    }

    /**
     * A benign client keeps chatting (SEND, then its own MESSAGE back, each one) while three abusers run: one
     * floods SENDs and reconnects whenever it is closed, one opens connections as fast as it can from one
     * address, one knocks with a foreign Origin. How its latency compares with an unloaded run is a speed
     * figure, so it is measured by the bench's {@code abuse} scenario, side by side, not asserted here.
     */
    @Test
    void aBenignClientKeepsChattingBesideTheAbuse() throws Exception {
        try (RawStomp benign = connectFrom("198.51.100.1", "benign")) {
            benign.send("SUBSCRIBE\nid:r\ndestination:/topic/room.calm\nreceipt:in\n\n\0");
            assertThat(header(benign.next("RECEIPT"), "receipt-id")).isEqualTo("in");
            roundTrips(benign, "quiet", 20);

            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger refusals = new AtomicInteger();
            AtomicInteger floodCloses = new AtomicInteger();
            List<Thread> abusers = List.of(
                    started(() -> {
                        for (int round = 0; round < 1000 && !stop.get(); round++) {
                            try (RawStomp flood = connectFrom("198.51.100." + (10 + round % 200), "flood")) {
                                for (int i = 0; i < 200 && !flood.isClosed() && !stop.get(); i++) {
                                    flood.send("SEND\ndestination:/app/room.calm\n\nspam\0");
                                    if (i % 10 == 9) {
                                        pause(); // still 100 times the allowed rate
                                    }
                                }
                                flood.awaitClose();
                                floodCloses.incrementAndGet();
                            } catch (Exception | AssertionError e) {
                                refusals.incrementAndGet();
                            }
                        }
                    }),
                    started(() -> {
                        for (int i = 0; i < 5000 && !stop.get(); i++) {
                            try {
                                RawStomp.openWith(node.wsUrl(), Map.of("X-Forwarded-For", "198.51.100.250")).close();
                            } catch (Exception e) {
                                refusals.incrementAndGet();
                            }
                            pause(); // ~100 a second: enough to hold the limits shut, without this JVM's own
                                     // client work starving the benign client of the machine's two cores
                        }
                    }),
                    started(() -> {
                        for (int i = 0; i < 5000 && !stop.get(); i++) {
                            try {
                                RawStomp.openWith(node.wsUrl(), Map.of("Origin", "https://evil.example",
                                        "X-Forwarded-For", "198.51.100.251")).close();
                            } catch (Exception e) {
                                refusals.incrementAndGet();
                            }
                            pause();
                        }
                    }));
            try {
                // Let the abuse get going: the flood has been closed once and upgrades are being refused.
                long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                while ((floodCloses.get() == 0 || refusals.get() < 10) && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                assertThat(floodCloses.get()).as("the flooder was closed at least once").isPositive();
                roundTrips(benign, "loaded", 40);
            } finally {
                stop.set(true);
                for (Thread t : abusers) {
                    t.join(30_000);
                }
            }
            assertThat(benign.isClosed()).isFalse();
            Reliability.record("Abuse limits", "all of the above at once: a SEND flood that reconnects, a connection"
                    + " flood from one address, foreign-Origin upgrades", String.format("refused %d upgrades and closed"
                    + " the flooder %d times", refusals.get(), floodCloses.get()), "a benign client on the same node"
                    + " got each of its 40 messages back, in order (its latency beside the abuse: the bench's abuse"
                    + " scenario)", "nothing", "AbuseLimitsTest");
        }
    }

    private static void pause() {
        try {
            Thread.sleep(10);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Thread started(Runnable body) {
        Thread t = new Thread(body, "abuser");
        t.setDaemon(true);
        t.start();
        return t;
    }

    /**
     * Sends {@code n} messages one at a time, paced within the send rate, and checks that each comes back as
     * the next message on the room: none lost, none out of order.
     */
    private static void roundTrips(RawStomp client, String label, int n) throws InterruptedException {
        for (int i = 0; i < n; i++) {
            Thread.sleep(210); // 5 a second at most: the benign client stays inside its own rate limit
            client.send("SEND\ndestination:/app/room.calm\n\n" + label + "-" + i + "\0");
            String message;
            do {
                message = client.next("MESSAGE");
            } while (!"message".equals(header(message, "event"))); // its own join comes first
            assertThat(RawStomp.body(message)).isEqualTo(label + "-" + i);
        }
    }
}
