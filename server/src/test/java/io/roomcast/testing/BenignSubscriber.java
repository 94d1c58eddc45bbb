package io.roomcast.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.assertj.core.api.SoftAssertions;
import org.springframework.messaging.simp.stomp.StompFrameHandler;
import org.springframework.messaging.simp.stomp.StompHeaders;
import org.springframework.messaging.simp.stomp.StompSession;

import java.io.IOException;
import java.lang.reflect.Type;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The bystander of an abuse test: a real STOMP client (Spring's) subscribed to a room of its own, and a
 * backend that posts one message to that room every 100 ms through the HTTP API (its own keep-alive
 * connection, from a chosen source address). It checks what "no client can cost another client a message"
 * means for it: every message the API accepted with 200 arrived, once, in order, soon.
 *
 * <p>Latency is from the API's answer to the frame's arrival (0 when the frame came first). Thread-safe.
 */
public final class BenignSubscriber implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    public static final Duration PERIOD = Duration.ofMillis(100);

    /** One publish the backend tried: its number, the status (0: no answer), position, and when it was answered. */
    public record Attempt(int seq, int status, String position, long answeredNanos, long tookMillis, String error) {
    }

    /** One room message as the subscriber got it. */
    public record Got(String body, String position, long atNanos) {
    }

    private final int port;
    private final String room;
    private final InetAddress publisherAddress;
    private final Duration publishTimeout;
    private final SpringStomp stomp;
    private final List<Attempt> attempts = new ArrayList<>();
    private final List<Got> got = new ArrayList<>();
    private final Thread publisher;
    private volatile boolean publishing = true;
    private volatile String fence;
    private final CompletableFuture<Got> fenceSeen = new CompletableFuture<>();
    private RawHttp http;

    private BenignSubscriber(int port, String wsUrl, String room, InetAddress publisherAddress,
                             Duration publishTimeout) {
        this.port = port;
        this.room = room;
        this.publisherAddress = publisherAddress;
        this.publishTimeout = publishTimeout;
        StompHeaders connect = new StompHeaders();
        connect.setLogin("benign-" + room);
        this.stomp = SpringStomp.connect(wsUrl, connect, new long[] {0, 0});
        subscribe();
        this.publisher = new Thread(this::publishLoop, "benign-publisher-" + room);
        this.publisher.setDaemon(true);
    }

    /**
     * Connects, subscribes to {@code /topic/room.<room>} (waiting for the receipt) and starts publishing.
     *
     * @param publisherAddress the backend's source address (null: any)
     * @param publishTimeout   how long one publish may take before it counts as failed
     */
    public static BenignSubscriber start(NodeProcess node, String room, InetAddress publisherAddress,
                                         Duration publishTimeout) {
        BenignSubscriber b = new BenignSubscriber(node.port(), node.wsUrl(), room, publisherAddress, publishTimeout);
        b.publisher.start();
        return b;
    }

    public static BenignSubscriber start(NodeProcess node, String room) {
        return start(node, room, null, Duration.ofSeconds(5));
    }

    /** The same bystander on an in-process node (its API key is the same). */
    public static BenignSubscriber start(TestNode node, String room) {
        BenignSubscriber b = new BenignSubscriber(node.port(), node.wsUrl(), room, null, Duration.ofSeconds(5));
        b.publisher.start();
        return b;
    }

    private void subscribe() {
        StompHeaders h = new StompHeaders();
        h.setId("benign");
        h.setDestination("/topic/room." + room);
        h.setReceipt("r-benign");
        CompletableFuture<Void> receipt = new CompletableFuture<>();
        StompSession.Subscription sub = stomp.session().subscribe(h, new StompFrameHandler() {
            @Override
            public Type getPayloadType(StompHeaders headers) {
                return byte[].class;
            }

            @Override
            public void handleFrame(StompHeaders headers, Object payload) {
                long at = System.nanoTime();
                if (!"message".equals(headers.getFirst("event"))) {
                    return; // join and leave events
                }
                Got g = new Got(payload == null ? "" : new String((byte[]) payload, StandardCharsets.UTF_8),
                        headers.getFirst("position"), at);
                synchronized (BenignSubscriber.this) {
                    got.add(g);
                }
                if (g.body().equals(fence)) {
                    fenceSeen.complete(g);
                }
            }
        });
        sub.addReceiptTask(() -> receipt.complete(null));
        sub.addReceiptLostTask(() -> receipt.completeExceptionally(new AssertionError("no receipt for the benign SUBSCRIBE")));
        receipt.orTimeout(10, TimeUnit.SECONDS).join();
    }

    private void publishLoop() {
        long next = System.nanoTime();
        for (int seq = 0; seq < 10_000 && publishing; seq++) {
            Attempt a = publish(seq, "benign-" + seq);
            synchronized (this) {
                attempts.add(a);
            }
            next += PERIOD.toNanos();
            long left = next - System.nanoTime();
            if (left > 0) {
                try {
                    TimeUnit.NANOSECONDS.sleep(left); // the publishing cadence
                } catch (InterruptedException e) {
                    return;
                }
            } else {
                next = System.nanoTime(); // behind (a slow answer): no catch-up burst
            }
        }
    }

    /** One POST on the backend's keep-alive connection; a failed connection is replaced for the next one. */
    private Attempt publish(int seq, String data) {
        long t0 = System.nanoTime();
        try {
            if (http == null) {
                http = RawHttp.open(port, publisherAddress, publishTimeout);
            }
            RawHttp.Response r = http.request("POST", "/api/rooms/" + room + "/messages",
                    JSON.writeValueAsString(Map.of("data", data)), publishTimeout,
                    "Authorization", "Bearer " + NodeProcess.API_KEY);
            long answered = System.nanoTime();
            if (r.closesConnection()) {
                http.close();
                http = null;
            }
            String position = null;
            if (r.status() == 200) {
                JsonNode p = JSON.readTree(r.body()).get("position");
                position = p == null ? null : p.asText();
            }
            return new Attempt(seq, r.status(), position, answered, (answered - t0) / 1_000_000,
                    r.status() == 200 ? null : r.body());
        } catch (IOException | RuntimeException e) {
            if (http != null) {
                http.close();
                http = null;
            }
            return new Attempt(seq, 0, null, System.nanoTime(), (System.nanoTime() - t0) / 1_000_000, e.toString());
        }
    }

    /** Publishes tried so far: a test under attack runs its abuse until the bystander has seen enough of it. */
    public synchronized int attempted() {
        return attempts.size();
    }

    /** Stops the cadence (waits for the publish in flight). */
    public void stopPublishing() {
        publishing = false;
        try {
            publisher.join(publishTimeout.toMillis() + 2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Stops publishing, then publishes a marker and waits for it: messages of a room arrive in order, so
     * anything accepted before the marker and not received by then is lost, without waiting on silence.
     *
     * @return whether the marker arrived within {@code timeout}
     */
    public boolean fence(Duration timeout) {
        stopPublishing();
        fence = "fence-" + UUID.randomUUID();
        long deadline = System.nanoTime() + timeout.toNanos();
        for (int i = 0; i < 5 && System.nanoTime() < deadline; i++) {
            Attempt a = publish(-1, fence);
            if (a.status() == 200) {
                break;
            }
        }
        try {
            fenceSeen.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    /** What the bystander saw, in figures. */
    public record Report(int attempted, int accepted, int failedPublishes, int received, int lost, int duplicates,
                         int outOfOrder, int wrongPosition, long maxLatencyMillis, long maxPublishMillis,
                         boolean fenceSeen, boolean connected, List<String> publishFailures) {
        public String describe() {
            return attempted + " published (" + accepted + " accepted with 200, " + failedPublishes + " failed"
                    + (publishFailures.isEmpty() ? "" : ": " + publishFailures) + ", slowest answer " + maxPublishMillis
                    + " ms); " + received + " received, " + lost + " lost, " + duplicates + " duplicates, "
                    + outOfOrder + " out of order, " + wrongPosition + " with another position; max latency "
                    + maxLatencyMillis + " ms; fence " + (fenceSeen ? "seen" : "NOT seen") + "; session "
                    + (connected ? "connected" : "CLOSED");
        }
    }

    /** Call after {@link #fence}. */
    public synchronized Report report() {
        Map<String, Attempt> accepted = new HashMap<>();
        List<String> failures = new ArrayList<>();
        long maxPublish = 0;
        for (Attempt a : attempts) {
            maxPublish = Math.max(maxPublish, a.tookMillis());
            if (a.status() == 200) {
                accepted.put("benign-" + a.seq(), a);
            } else if (failures.size() < 3) {
                failures.add("#" + a.seq() + " " + (a.status() == 0 ? "" : a.status() + " ") + a.error());
            }
        }
        Set<String> seen = new HashSet<>();
        int duplicates = 0;
        int outOfOrder = 0;
        int wrongPosition = 0;
        int lastSeq = -1;
        long maxLatency = 0;
        for (Got g : got) {
            if (!g.body().startsWith("benign-")) {
                continue;
            }
            if (!seen.add(g.body())) {
                duplicates++;
                continue;
            }
            int seq = Integer.parseInt(g.body().substring("benign-".length()));
            if (seq < lastSeq) {
                outOfOrder++;
            }
            lastSeq = Math.max(lastSeq, seq);
            Attempt a = accepted.get(g.body());
            if (a != null) {
                maxLatency = Math.max(maxLatency, Math.max(0, g.atNanos() - a.answeredNanos()) / 1_000_000);
                if (a.position() != null && !a.position().equals(g.position())) {
                    wrongPosition++;
                }
            }
        }
        int lost = (int) accepted.keySet().stream().filter(k -> !seen.contains(k)).count();
        return new Report(attempts.size(), accepted.size(), attempts.size() - accepted.size(), seen.size(), lost,
                duplicates, outOfOrder, wrongPosition, maxLatency, maxPublish, fenceSeen.isDone(), stomp.isConnected(),
                failures);
    }

    /**
     * The bystander's promises: every publish accepted, every accepted message received once and in order
     * (with the position the API gave), the fence seen, latency at most {@code maxLatency}.
     */
    public static void check(SoftAssertions soft, Report r, Duration maxLatency) {
        soft.assertThat(r.attempted()).as("the backend published during the attack").isGreaterThanOrEqualTo(10);
        soft.assertThat(r.failedPublishes()).as("publishes not answered 200 (%s)", r.publishFailures()).isZero();
        soft.assertThat(r.lost()).as("accepted messages the bystander never received").isZero();
        soft.assertThat(r.duplicates()).as("messages the bystander received twice").isZero();
        soft.assertThat(r.outOfOrder()).as("messages the bystander received out of order").isZero();
        soft.assertThat(r.wrongPosition()).as("messages received with another position than the API answered").isZero();
        soft.assertThat(r.fenceSeen()).as("the fence message arrived after the attack").isTrue();
        soft.assertThat(r.maxLatencyMillis()).as("the bystander's max latency (ms)").isLessThan(maxLatency.toMillis());
        soft.assertThat(r.connected()).as("the bystander's session is still open").isTrue();
    }

    @Override
    public void close() {
        publishing = false;
        stopPublishing();
        if (http != null) {
            http.close();
        }
        try {
            stomp.close();
        } catch (RuntimeException ignored) {
            // the node may be gone
        }
    }
}
