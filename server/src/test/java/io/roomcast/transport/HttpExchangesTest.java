package io.roomcast.transport;

import io.roomcast.testing.RawHttp;
import io.roomcast.testing.RawWebSocket;
import io.roomcast.testing.TestNode;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Requests Netty answers on its own, and frames it would answer past the budget, still end or stay bounded. */
class HttpExchangesTest {
    private static TestNode node(int budget) {
        return TestNode.start(s -> {
            s.httpIdleTimeout = Duration.ofSeconds(1);
            s.httpHeaderTimeout = Duration.ofSeconds(1);
            s.httpBodyTimeout = Duration.ofSeconds(1);
            s.outboundQueueBytes = budget;
            s.slowConsumerGrace = Duration.ofSeconds(1);
        });
    }

    @Test
    void aRequestTheAggregatorAnswersItselfDoesNotLeaveTheConnectionHanging() throws Exception {
        try (TestNode node = node(1 << 20);
             RawHttp http = RawHttp.open(node.port(), InetAddress.getLoopbackAddress(), Duration.ofSeconds(2))) {
            http.write("GET /health/live HTTP/1.1\r\nHost: x\r\nExpect: foo\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(http.readResponse(System.nanoTime() + Duration.ofSeconds(2).toNanos()).status()).isEqualTo(417);
            assertThat(http.awaitClosedByPeer(Duration.ofSeconds(5))).as("closed after the failed expectation").isTrue();
        }
    }

    @Test
    void aClientThatPingsAndNeverReadsIsNotReadAndIsCut() throws Exception {
        int budget = 8192;
        try (TestNode node = node(budget);
             RawWebSocket ws = RawWebSocket.connect(node.port(), RawWebSocket.Options.DEFAULT.withReceiveBuffer(4096),
                     Duration.ofSeconds(5))) {
            ws.stompConnect("pinger");
            byte[] ping = RawWebSocket.frame(0x9, new byte[125]);
            byte[] batch = new byte[ping.length * 100];
            for (int i = 0; i < 100; i++) {
                System.arraycopy(ping, 0, batch, i * ping.length, ping.length);
            }
            AtomicBoolean stopped = new AtomicBoolean();
            Thread pinger = new Thread(() -> {
                try {
                    for (int i = 0; i < 4000 && !stopped.get(); i++) {
                        ws.send(batch);
                    }
                } catch (Exception closed) {
                    // cut by the node
                }
            }, "pinger");
            pinger.setDaemon(true);
            pinger.start();
            try {
                await().atMost(Duration.ofSeconds(20)).until(() -> node.metric("roomcast_disconnects_total",
                        "reason=\"slow-consumer\"") == 1);
            } finally {
                stopped.set(true);
                ws.close();
            }
            assertThat(node.metric("roomcast_outbound_queue")).as("bytes queued after the cut").isLessThan(budget * 2);
        }
    }
}
