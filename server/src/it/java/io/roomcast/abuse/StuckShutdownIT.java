package io.roomcast.abuse;

import io.roomcast.testing.Abuse;
import io.roomcast.testing.NodeProcess;
import io.roomcast.testing.RawHttp;
import io.roomcast.testing.RawWebSocket;
import io.roomcast.testing.Reliability;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SIGTERM ends the node within {@code --drain-timeout} whatever its clients and loops do: a WebSocket client
 * that never reads with a full queue, a slowloris HTTP request, and an event loop blocked for far longer than
 * the drain.
 */
class StuckShutdownIT {
    private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(4);

    @Test
    void sigtermExitsWithinTheDrainTimeoutWhateverTheClientsAndLoopsDo() throws Exception {
        try (NodeProcess node = Abuse.start("stuck-shutdown", "--drain-timeout", "4s", "--drain-period", "1s",
                // Long enough that none of these clients is cut before the drain has to deal with it.
                "--slow-consumer-grace", "60s", "--http-header-timeout", "60s", "--outbound-queue-bytes", "262144");
             RawWebSocket stalled = RawWebSocket.connect(node.port(),
                     RawWebSocket.Options.DEFAULT.withReceiveBuffer(4096), Duration.ofSeconds(5));
             Socket slowloris = new Socket("127.0.0.1", node.port())) {
            stalled.stompConnect("stalled");
            stalled.send(RawWebSocket.text("SUBSCRIBE\nid:1\ndestination:/topic/room.full\n\n\0"));
            String body = "x".repeat(4000);
            // Fill the stalled client's queue past its budget (it never reads from here on).
            for (int i = 0; i < 200; i++) {
                assertThat(node.post("/api/rooms/full/messages", "{\"data\":\"" + body + "\"}").statusCode())
                        .isEqualTo(200);
            }
            OutputStream loris = slowloris.getOutputStream();
            loris.write("GET /health/live HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
            loris.flush();
            // Both event loops blocked for 30 s: a wedged node.
            Thread[] blockers = new Thread[2];
            for (int i = 0; i < blockers.length; i++) {
                blockers[i] = new Thread(() -> {
                    try {
                        RawHttp.once(node.port(), null, "POST", "/test/block-loop?millis=30000", "",
                                Duration.ofSeconds(40), "Authorization", "Bearer " + NodeProcess.API_KEY);
                    } catch (Exception ignored) {
                        // the node goes away under it
                    }
                }, "blocker");
                blockers[i].setDaemon(true);
                blockers[i].start();
            }
            // Wedged: readiness answers 503 naming a loop, or (both loops blocked) does not answer at all.
            assertThat(Abuse.within(Duration.ofSeconds(10), () -> {
                try {
                    RawHttp.Response ready = RawHttp.once(node.port(), null, "GET", "/health/ready", null,
                            Duration.ofMillis(500));
                    return ready.status() == 503 && ready.body().contains("event loop");
                } catch (java.io.IOException noAnswer) {
                    return true;
                }
            })).as("the loops are wedged").isTrue();

            long sigterm = System.nanoTime();
            node.process().destroy(); // SIGTERM
            boolean exited = node.process().waitFor(DRAIN_TIMEOUT.toMillis() + 3000, TimeUnit.MILLISECONDS);
            long tookMs = (System.nanoTime() - sigterm) / 1_000_000;
            Abuse.figures("StuckShutdownIT", "exited " + exited + " after " + tookMs + " ms (drain timeout "
                    + DRAIN_TIMEOUT.toMillis() + " ms)");
            assertThat(exited).as("the node exited").isTrue();
            // The drain timeout, and a second for the signal to reach the JVM and the process to be reaped.
            assertThat(tookMs).as("ms from SIGTERM to exit").isLessThanOrEqualTo(DRAIN_TIMEOUT.toMillis() + 1000);
            Reliability.record("Failing safely", "SIGTERM to a node whose two event loops are blocked for 30 s, with a"
                            + " WebSocket client that never reads and has 800 KB queued, and a slowloris HTTP request"
                            + " (--drain-timeout 4s)", "exited " + tookMs + " ms after SIGTERM",
                    "its clients' connections dropped, so they resume on another node", "nothing",
                    "StuckShutdownIT");
        }
    }
}
