package io.roomcast.bench.ceiling;

import io.roomcast.bench.load.BenchClient;
import io.roomcast.bench.load.ClientListener;
import io.roomcast.bench.load.Frames;
import io.roomcast.bench.load.LoadGenerator;
import io.roomcast.bench.load.Progress;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The ceiling server routes what the scenarios send: room posts to the room's subscribers only, whispers to
 * one user; in both flush modes. Runs under Netty's paranoid leak detector, so a shared buffer that is not
 * released fails the build.
 */
class CeilingServerTest {
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void roomPostsReachTheRoomAndWhispersReachOneUser(boolean batched) throws Exception {
        try (CeilingServer server = new CeilingServer("127.0.0.1", 0, batched);
             LoadGenerator generator = new LoadGenerator(2, 2)) {
            URI ws = URI.create("ws://127.0.0.1:" + server.port() + "/ws");
            Map<String, AtomicInteger> received = new ConcurrentHashMap<>();
            AtomicInteger receipts = new AtomicInteger();
            ClientListener listener = new ClientListener() {
                @Override
                public void timed(BenchClient client, int step, long sentNanos, long receivedNanos) {
                    received.computeIfAbsent(client.login() + ":" + step, k -> new AtomicInteger()).incrementAndGet();
                }

                @Override
                public void receipt(BenchClient client, String receiptId) {
                    receipts.incrementAndGet();
                }
            };
            List<BenchClient> clients = generator.openMany(ws, 4, 4, i -> "user" + i, listener, false,
                    (c, i) -> c.send(Frames.subscribe("room", "/topic/room." + (i < 3 ? "a" : "b"), null, "r")),
                    Progress.quiet());
            await().atMost(Duration.ofSeconds(10)).until(() -> receipts.get() == 4);
            for (int i = 0; i < 5; i++) {
                clients.get(0).send(Frames.timedSend("/app/room.a", "", 1, 8));
            }
            clients.get(0).send(Frames.timedSend("/app/whisper", "room:a\nto:user3\n", 2, 8));
            await().atMost(Duration.ofSeconds(10)).until(() -> count(received, "user0:1") == 5
                    && count(received, "user1:1") == 5 && count(received, "user2:1") == 5
                    && count(received, "user3:2") == 1);
            assertThat(count(received, "user3:1")).as("room b hears nothing of room a").isZero();
            assertThat(received.keySet()).noneMatch(k -> k.endsWith(":2") && !k.equals("user3:2"));
            clients.forEach(BenchClient::close);
        }
    }

    private static int count(Map<String, AtomicInteger> received, String key) {
        AtomicInteger n = received.get(key);
        return n == null ? 0 : n.get();
    }
}
