package io.roomcast.session;

import io.roomcast.testing.RawStomp;
import io.roomcast.testing.SpringStomp;
import io.roomcast.testing.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static io.roomcast.testing.RawStomp.header;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Heart-beat negotiation in both directions, on a node with short intervals. */
class HeartBeatTest {
    static TestNode node;

    @BeforeAll
    static void start() {
        node = TestNode.start(s -> {
            s.heartbeatSend = Duration.ofMillis(100);
            s.heartbeatReceive = Duration.ofMillis(200);
            s.heartbeatTolerance = 3.0; // Spring's client may send a beat up to 2 intervals apart
        });
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    @Test
    void connectedAnswersWithTheServersHeartBeat() {
        try (RawStomp raw = RawStomp.open(node)) {
            raw.send("CONNECT\naccept-version:1.2\nhost:x\nlogin:hb\nheart-beat:0,0\n\n\0");
            assertThat(header(raw.next("CONNECTED"), "heart-beat")).isEqualTo("100,200");
        }
    }

    @Test
    void serverSendsHeartBeatsAtTheNegotiatedInterval() {
        try (RawStomp raw = RawStomp.open(node)) {
            // The client sends nothing and wants a beat every 150 ms: max(100, 150) = 150 ms.
            raw.send("CONNECT\naccept-version:1.2\nhost:x\nlogin:listener\nheart-beat:0,150\n\n\0");
            raw.next("CONNECTED");
            await().atMost(Duration.ofSeconds(5)).until(() -> raw.heartBeats() >= 3);
            assertThat(raw.isClosed()).isFalse();
        }
    }

    @Test
    void aSilentClientIsClosedAfterTheIntervalWithTolerance() {
        try (RawStomp raw = RawStomp.open(node)) {
            long start = System.nanoTime();
            // The client promises a beat every 200 ms and then says nothing.
            raw.send("CONNECT\naccept-version:1.2\nhost:x\nlogin:silent\nheart-beat:200,0\n\n\0");
            raw.next("CONNECTED");
            String error = raw.next("ERROR");
            long elapsedMs = (System.nanoTime() - start) / 1_000_000;
            assertThat(header(error, "message")).contains("heart-beat timeout");
            assertThat(raw.awaitClose()).isEqualTo(1008);
            assertThat(elapsedMs).as("closed only after 200 ms x 3").isGreaterThanOrEqualTo(600);
        }
    }

    @Test
    void aClientThatBeatsStaysConnected() {
        try (SpringStomp beating = SpringStomp.connect(node, "beating", new long[] {100, 0})) {
            beating.subscribe("room", "/topic/room.hb");
            // Bounded wait: five times the tolerated silence; Spring's client beats every 200 ms meanwhile.
            await().pollDelay(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(3)).until(() -> true);
            assertThat(beating.isConnected()).isTrue();
            beating.send("/app/room.hb", "alive");
            assertThat(beating.nextEvent("room", "message").body()).isEqualTo("alive");
        }
    }
}
