package io.roomcast.cluster;

import io.roomcast.bus.rocketmq.LocalBroker;
import io.roomcast.testing.NodeProcess;
import io.roomcast.testing.Reliability;
import io.roomcast.testing.SpringStomp;
import org.junit.jupiter.api.Test;
import org.springframework.messaging.simp.stomp.StompHeaders;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The broker is missing at start-up, and later goes away while nodes run: they wait, say why, and recover. */
class BrokerOutageIT {

    @Test
    void nodesWaitForTheBrokerAndRecoverWhenItComesBack() throws Exception {
        Path dir = Files.createTempDirectory("roomcast-outage-broker");
        int namesrvPort = freePort();
        String namesrv = "127.0.0.1:" + namesrvPort;
        // 1. No broker yet: the node starts, serves HTTP, and is not ready, saying why.
        NodeProcess a = NodeProcess.startUnready("outage-a", namesrv);
        LocalBroker broker = null;
        NodeProcess b = null;
        SpringStomp held = null;
        try {
            HttpResponse<String> notReady = a.get("/health/ready", false);
            assertThat(notReady.statusCode()).isEqualTo(503);
            assertThat(notReady.body()).contains("\"status\":\"not-ready\"").contains(namesrv);
            HttpResponse<String> refused = a.post("/api/broadcast", "{\"data\":\"x\"}");
            assertThat(refused.statusCode()).isEqualTo(503);
            assertThat(refused.body()).contains("\"error\":\"bus-unavailable\"");

            // 2. The broker arrives: the node becomes ready by itself.
            broker = LocalBroker.start(LocalBroker.defaultJar(), dir, namesrvPort, 0, line -> { });
            int brokerPort = broker.brokerPort();
            await().atMost(Duration.ofSeconds(60)).until(a::isReady);
            b = NodeProcess.start("outage-b", namesrv);
            assertDelivered(a, b, "before the outage");
            // A client that stays connected through the outage.
            StompHeaders heldLogin = new StompHeaders();
            heldLogin.setLogin("held");
            held = SpringStomp.connect(b.wsUrl(), heldLogin, new long[] {0, 0});
            held.subscribe("errors", "/user/queue/errors");
            held.subscribe("room", "/topic/room.outage");

            // 3. The broker goes away while both run: not ready, publishes get 503.
            broker.close();
            NodeProcess na = a;
            await().atMost(Duration.ofSeconds(30)).until(() -> !na.isReady());
            HttpResponse<String> during = a.post("/api/rooms/outage/messages", "{\"data\":\"lost?\"}");
            assertThat(during.statusCode()).isEqualTo(503);
            assertThat(during.body()).contains("bus-unavailable");
            // The held client is not dropped; its post during the outage is refused, not silently lost.
            NodeProcess nb0 = b;
            await().atMost(Duration.ofSeconds(30)).until(() -> !nb0.isReady());
            held.sendNoReceipt("/app/room.outage", "sent during the outage");
            SpringStomp.Received refusal = held.nextEvent("errors", "error");
            assertThat(refusal.header("error")).isEqualTo("bus-unavailable");
            assertThat(held.isConnected()).isTrue();

            // 4. It comes back on the same ports and data: both nodes recover without a restart.
            broker = LocalBroker.start(LocalBroker.defaultJar(), dir, namesrvPort, brokerPort, line -> { });
            NodeProcess nb = b;
            await().atMost(Duration.ofSeconds(60)).until(() -> na.isReady() && nb.isReady());
            assertDelivered(a, b, "after the outage");
            // The held client gets what is published after the recovery, on the connection it kept.
            assertThat(held.isConnected()).isTrue();
            a.post("/api/rooms/outage/messages", "{\"data\":\"to the held client\"}");
            SpringStomp.Received m;
            do {
                m = held.next("room");
            } while (!"to the held client".equals(m.body()));
            Reliability.record("Broker loss", "the broker process stopped while two nodes run, then restarted on"
                    + " the same ports", "readiness 503 with the reason; HTTP publishes 503 bus-unavailable; STOMP"
                    + " SENDs refused with error:bus-unavailable; recovered by itself when the broker returned",
                    "connections stayed open; a connected client's post was refused (not dropped silently) and it"
                    + " received messages again after the recovery", "nothing that was accepted: every publish"
                    + " during the outage was refused to its sender", "BrokerOutageIT");
            Reliability.record("Partition between a node and the broker", "the broker unreachable from the nodes"
                    + " (emulated by stopping its process)", "same as broker loss: not ready, publishes refused,"
                    + " reconnects by itself; a node silent to the others past --node-timeout is declared dead",
                    "clients stay connected and are told their posts were refused", "nothing accepted",
                    "BrokerOutageIT");
            Reliability.record("Broker loss", "no broker when the node starts", "starts, serves HTTP, readiness"
                    + " 503 naming the NameServer address, retries; ready by itself once the broker arrives",
                    "nginx sends no one to a node that is not ready", "nothing", "BrokerOutageIT");
        } finally {
            if (held != null) {
                held.close();
            }
            a.close();
            if (b != null) {
                b.close();
            }
            if (broker != null) {
                broker.close();
            }
        }
    }

    /** A message published on {@code from} reaches a client on {@code to}; retried while consumers settle. */
    private static void assertDelivered(NodeProcess from, NodeProcess to, String text) throws Exception {
        StompHeaders h = new StompHeaders();
        h.setLogin("listener");
        try (SpringStomp listener = SpringStomp.connect(to.wsUrl(), h, new long[] {0, 0})) {
            listener.subscribe("room", "/topic/room.outage");
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (System.nanoTime() < deadline) {
                HttpResponse<String> r = from.post("/api/rooms/outage/messages", "{\"data\":\"" + text + "\"}");
                if (r.statusCode() == 200) {
                    SpringStomp.Received m;
                    while ((m = listener.queue("room").poll(2, java.util.concurrent.TimeUnit.SECONDS)) != null) {
                        if (text.equals(m.body())) {
                            return;
                        }
                    }
                } else {
                    Thread.sleep(500);
                }
            }
            throw new AssertionError("'" + text + "' never arrived on " + to.id());
        }
    }

    private static int freePort() throws Exception {
        try (var s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
