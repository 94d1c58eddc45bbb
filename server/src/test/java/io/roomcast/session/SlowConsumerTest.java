package io.roomcast.session;

import io.netty.buffer.PooledByteBufAllocator;
import io.roomcast.testing.RawWebSocket;
import io.roomcast.testing.Reliability;
import io.roomcast.testing.SpringStomp;
import io.roomcast.testing.TestNode;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A client that stops reading is disconnected; its queue never grows past the limit. */
class SlowConsumerTest {

    @Test
    void aClientThatStopsReadingIsDisconnectedAndMemoryStaysBounded() throws Exception {
        int limit = 256 * 1024;
        long started = System.nanoTime();
        try (TestNode node = TestNode.start(s -> s.outboundQueueBytes = limit);
             Socket socket = new Socket();
             SpringStomp healthy = SpringStomp.connect(node, "healthy")) {
            // A tiny receive buffer, set before connecting, so the kernel can't absorb much on the slow client's
            // behalf.
            socket.setReceiveBufferSize(4096);
            socket.connect(new java.net.InetSocketAddress("127.0.0.1", node.port()), 5000);
            socket.setSoTimeout(10_000);
            upgradeAndSubscribe(socket, "/topic/room.flood");
            healthy.subscribe("room", "/topic/room.quiet");

            String body = "x".repeat(4000);
            long direct0 = PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory();
            long maxDirect = 0;
            // Publish far more than the limit (up to 80 MB); the slow client must be cut off long before.
            int published = 0;
            for (int i = 0; i < 20_000 && (i % 20 != 0 || slowConsumersCut(node) == 0); i++, published++) {
                node.publish("flood", body);
                maxDirect = Math.max(maxDirect, PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory());
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> slowConsumersCut(node) == 1);
            System.out.printf("slow consumer cut off after %d ms and %d messages; pooled direct memory grew by at most %d KiB%n",
                    (System.nanoTime() - started) / 1_000_000, published, (maxDirect - direct0) / 1024);
            // Growth of pooled direct memory stays within a few times the per-session limit (the healthy client's
            // in-flight frames and allocator chunk granularity), far below the 64 MB that was published.
            assertThat(maxDirect - direct0).isLessThan(16L * 1024 * 1024);
            // The healthy client on the same node never noticed.
            healthy.send("/app/room.quiet", "still here");
            assertThat(healthy.nextEvent("room", "message").body()).isEqualTo("still here");
            Reliability.record("Slow clients", "a client that stops reading while its room gets 4 KB messages"
                    + " (--outbound-queue-bytes 256 KiB)", "closed it once its queue passed the limit; pooled"
                    + " memory grew by at most " + (maxDirect - direct0) / 1024 + " KiB", "a healthy client on the"
                    + " same node kept its messages", "nothing for others; the slow client resumes with since",
                    "SlowConsumerTest");
        }
    }

    /**
     * A client that vanishes (a reset) while its room is busy is a lost connection, not a slow consumer: between
     * the channel closing and its session leaving the fan-out, deliveries find no outbound buffer, which
     * Netty's {@code isWritable()} also reports as "not writable".
     */
    @Test
    void clientsThatVanishWhileTheirRoomIsBusyAreLostConnectionsNotSlowConsumers() throws Exception {
        int clients = 30;
        try (TestNode node = TestNode.start(s -> s.maxSendRate = 0)) {
            List<RawWebSocket> members = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                RawWebSocket m = RawWebSocket.connect(node.port(), RawWebSocket.Options.DEFAULT, Duration.ofSeconds(5));
                m.stompConnect("member" + i);
                m.send(RawWebSocket.text("SUBSCRIBE\nid:1\ndestination:/topic/room.busy\nreceipt:in\n\n\0"));
                assertThat(m.nextFrame("RECEIPT")).contains("receipt-id:in");
                members.add(m);
            }
            AtomicBoolean publishing = new AtomicBoolean(true);
            Thread publisher = new Thread(() -> {
                for (int i = 0; i < 20_000 && publishing.get(); i++) {
                    node.publish("busy", "m" + i);
                }
            }, "publisher");
            publisher.start();
            try {
                for (RawWebSocket m : members) {
                    m.socket().setSoLinger(true, 0); // close with a reset, as a crashed client's host does
                    m.close();
                }
                await().atMost(Duration.ofSeconds(20)).until(() -> node.metric("roomcast_disconnects_total",
                        "reason=\"connection-lost\"") >= clients);
            } finally {
                publishing.set(false);
                publisher.join(10_000);
            }
            assertThat(slowConsumersCut(node)).isZero();
            assertThat(node.metric("roomcast_disconnects_total", "reason=\"connection-lost\"")).isEqualTo(clients);
        }
    }

    private static double slowConsumersCut(TestNode node) {
        return node.metric("roomcast_disconnects_total", "reason=\"slow-consumer\"");
    }

    /** A hand-written WebSocket client that connects and subscribes, then never reads again. */
    private static void upgradeAndSubscribe(Socket socket, String destination) throws Exception {
        OutputStream out = socket.getOutputStream();
        String key = Base64.getEncoder().encodeToString("0123456789abcdef".getBytes(StandardCharsets.US_ASCII));
        out.write(("GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Version: 13\r\n"
                + "Sec-WebSocket-Protocol: v12.stomp\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        InputStream in = socket.getInputStream();
        readUntil(in, "\r\n\r\n");
        writeMaskedText(out, "CONNECT\naccept-version:1.2\nhost:x\nlogin:slow\n\n\0");
        readUntil(in, "\0");
        writeMaskedText(out, "SUBSCRIBE\nid:1\ndestination:" + destination + "\nreceipt:r\n\n\0");
        readUntil(in, "\0");
    }

    private static void readUntil(InputStream in, String end) throws Exception {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 65536 && !sb.toString().endsWith(end); i++) {
            int b = in.read();
            if (b < 0) {
                throw new AssertionError("connection closed early: " + sb);
            }
            sb.append((char) b);
        }
    }

    private static void writeMaskedText(OutputStream out, String text) throws Exception {
        byte[] payload = text.getBytes(StandardCharsets.UTF_8);
        byte[] mask = {1, 2, 3, 4};
        out.write(0x81);
        if (payload.length < 126) {
            out.write(0x80 | payload.length);
        } else {
            out.write(0x80 | 126);
            out.write(payload.length >> 8);
            out.write(payload.length & 0xff);
        }
        out.write(mask);
        for (int i = 0; i < payload.length; i++) {
            out.write(payload[i] ^ mask[i % 4]);
        }
        out.flush();
    }
}
