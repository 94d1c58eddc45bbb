package io.roomcast.cluster;

import io.roomcast.testing.NodeProcess;
import io.roomcast.testing.RawStomp;
import io.roomcast.testing.Reliability;
import io.roomcast.testing.SharedBroker;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static io.roomcast.testing.RawStomp.body;
import static io.roomcast.testing.RawStomp.header;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * SIGTERM on a node while traffic flows: its clients are closed with 1012 over the drain period, resume on
 * another node from their last position, and get every message once, in order. The node leaves the cluster
 * at once and exits within the drain timeout.
 */
class RollingRestartIT {
    static final int CLIENTS = 10;

    @Test
    void sigtermDrainsWith1012AndClientsResumeElsewhereWithNothingLost() throws Exception {
        String namesrv = SharedBroker.get().namesrv();
        // A long node timeout: if presence clears quickly, it is because the node said goodbye.
        String[] args = {"--drain-period", "1s", "--drain-timeout", "6s", "--node-timeout", "60s"};
        NodeProcess leaving = NodeProcess.start("rolling-a", namesrv, args);
        NodeProcess staying = NodeProcess.start("rolling-b", namesrv, args);
        AtomicBoolean publishing = new AtomicBoolean(true);
        AtomicInteger published = new AtomicInteger();
        Thread publisher = new Thread(() -> {
            // Bounded: at most 2000 messages, about 100 a second, until told to stop.
            while (publishing.get() && published.get() < 2000) {
                if (staying.post("/api/rooms/rolling/messages", "{\"data\":\"" + published.get() + "\"}")
                        .statusCode() == 200) {
                    published.incrementAndGet();
                }
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        List<RawStomp> clients = new ArrayList<>();
        List<List<Integer>> received = new ArrayList<>();
        List<String> lastPosition = new ArrayList<>();
        try {
            for (int i = 0; i < CLIENTS; i++) {
                RawStomp c = RawStomp.connect(leaving.wsUrl(), "roller" + i);
                c.send("SUBSCRIBE\nid:room\ndestination:/topic/room.rolling\nreceipt:r\n\n\0");
                lastPosition.add(header(c.next("RECEIPT"), "position"));
                clients.add(c);
                received.add(new ArrayList<>());
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> staying.get("/api/rooms/rolling/presence", true)
                    .body().contains("roller" + (CLIENTS - 1)));
            publisher.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> published.get() >= 50);

            long sigterm = System.nanoTime();
            leaving.process().destroy(); // SIGTERM
            for (int i = 0; i < CLIENTS; i++) {
                RawStomp c = clients.get(i);
                assertThat(c.awaitClose()).as("close code of client %d", i).isEqualTo(1012);
                drain(c, received.get(i), lastPosition, i);
            }
            long closedAllMs = (System.nanoTime() - sigterm) / 1_000_000;
            assertThat(closedAllMs).as("all closed within the drain period (1 s) plus slack").isLessThan(4000);
            assertThat(leaving.process().waitFor(10, TimeUnit.SECONDS)).as("exits within the drain timeout").isTrue();
            // The node said goodbye: its users leave at once, not after the 60 s node timeout.
            await().atMost(Duration.ofSeconds(5)).until(() -> !staying.get("/api/rooms/rolling/presence", true)
                    .body().contains("roller"));

            // Everyone resumes on the other node from the last position they saw.
            List<RawStomp> resumed = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                RawStomp c = RawStomp.connect(staying.wsUrl(), "roller" + i);
                c.send("SUBSCRIBE\nid:room\ndestination:/topic/room.rolling\nsince:" + lastPosition.get(i) + "\n\n\0");
                String recovery = c.next("MESSAGE");
                assertThat(header(recovery, "event")).isEqualTo("recovery");
                assertThat(header(recovery, "recovered")).as("client %d", i).isEqualTo("true");
                resumed.add(c);
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> published.get() >= 150);
            publishing.set(false);
            publisher.join(5000);
            int total = published.get();
            for (int i = 0; i < CLIENTS; i++) {
                List<Integer> got = received.get(i);
                while (got.size() < total) {
                    String m = resumed.get(i).next("MESSAGE");
                    if ("message".equals(header(m, "event"))) {
                        got.add(Integer.parseInt(body(m)));
                    }
                }
                List<Integer> expected = new ArrayList<>();
                for (int n = 0; n < total; n++) {
                    expected.add(n);
                }
                assertThat(got).as("client %d: every message once, in order", i).isEqualTo(expected);
            }
            resumed.forEach(RawStomp::close);
            Reliability.record("Graceful restart (SIGTERM)", "SIGTERM to a node with connected clients while"
                    + " messages are published", "turned not-ready, closed every connection with 1012 over"
                    + " --drain-period, left the cluster, exited within --drain-timeout", "its clients reconnected"
                    + " to the other node and resumed with recovered:true", "nothing: every message once, in order",
                    "RollingRestartIT");
        } finally {
            publishing.set(false);
            clients.forEach(RawStomp::close);
            leaving.close();
            staying.close();
        }
    }

    /** Takes the frames a client got before its connection closed; remembers its last position. */
    private static void drain(RawStomp c, List<Integer> into, List<String> lastPosition, int i) {
        String m;
        while ((m = c.poll()) != null) {
            if (m.startsWith("MESSAGE\n") && "message".equals(header(m, "event"))) {
                into.add(Integer.parseInt(body(m)));
                lastPosition.set(i, header(m, "position"));
            }
        }
    }
}
