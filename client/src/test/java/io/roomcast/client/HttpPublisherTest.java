package io.roomcast.client;

import io.roomcast.bus.Position;
import io.roomcast.testing.SpringStomp;
import io.roomcast.testing.SpringStomp.Received;
import io.roomcast.testing.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The HTTP transport against real nodes on ephemeral ports, received by Spring's STOMP client. */
class HttpPublisherTest {
    static TestNode node;
    static RoomcastPublisher publisher;

    @BeforeAll
    static void start() {
        node = TestNode.start();
        publisher = RoomcastPublisher.http(HttpTransportSettings.of("http://127.0.0.1:" + node.port(), TestNode.API_KEY));
    }

    @AfterAll
    static void stop() {
        publisher.close();
        node.close();
    }

    record Notice(String text, int level) {
    }

    @Test
    void toRoomReachesTheRoomWithItsPositionAndHeaders() {
        try (SpringStomp alice = SpringStomp.connect(node, "alice")) {
            alice.subscribe("room", "/topic/room.lobby");
            Position p = publisher.toRoom("lobby", "doors open at eight", Map.of("x-kind", "notice"));
            Received m = alice.nextEvent("room", "message");
            assertThat(m.body()).isEqualTo("doors open at eight");
            assertThat(m.header("x-kind")).isEqualTo("notice");
            assertThat(m.header("position")).isEqualTo(p.toString());
        }
    }

    @Test
    void objectsTravelAsJsonAndAsyncSendsCompleteWithThePosition() throws Exception {
        try (SpringStomp bob = SpringStomp.connect(node, "bob")) {
            bob.subscribe("me", "/user/queue/messages");
            bob.subscribe("all", "/topic/broadcast");
            Position p = publisher.toUserAsync("bob", new Notice("your table is ready", 2)).get();
            Received direct = bob.nextEvent("me", "direct");
            assertThat(direct.body()).isEqualTo("{\"text\":\"your table is ready\",\"level\":2}");
            assertThat(direct.header("content-type")).startsWith("application/json");
            assertThat(direct.header("position")).isEqualTo(p.toString());
            publisher.broadcast("maintenance at noon");
            assertThat(bob.nextEvent("all", "message").body()).isEqualTo("maintenance at noon");
        }
    }

    @Test
    void presenceAndDisconnect() {
        SpringStomp carol = SpringStomp.connect(node, "carol");
        carol.subscribe("room", "/topic/room.kitchen");
        assertThat(publisher.presence("kitchen")).containsExactly(
                new RoomcastPublisher.Member("carol", 1, List.of("test-node")));
        publisher.disconnect("carol");
        await().atMost(Duration.ofSeconds(10)).until(() -> !carol.isConnected());
        assertThat(publisher.presence("kitchen")).isEmpty();
    }

    @Test
    void aRefusalCarriesTheNodesReason() {
        RoomcastPublisher wrongKey = RoomcastPublisher.http(HttpTransportSettings.of(
                "http://127.0.0.1:" + node.port(), "not-the-key"));
        assertThatThrownBy(() -> wrongKey.broadcast("x")).isInstanceOf(RoomcastPublishException.class)
                .hasMessageContaining("HTTP 403").hasMessageContaining("forbidden")
                .satisfies(e -> assertThat(((RoomcastPublishException) e).status()).isEqualTo(403));
        assertThat(wrongKey.broadcastAsync("x")).failsWithin(Duration.ofSeconds(10))
                .withThrowableThat().havingCause().isInstanceOf(RoomcastPublishException.class);
        wrongKey.close();
    }

    @Test
    void withTwoNodesConfiguredPublishingGoesOnWhenOneIsDown() throws Exception {
        TestNode a = TestNode.start(s -> s.nodeId = "node-a");
        TestNode b = TestNode.start(s -> s.nodeId = "node-b");
        RoomcastPublisher two = RoomcastPublisher.http(HttpTransportSettings.of(List.of(
                "http://127.0.0.1:" + a.port(), "http://127.0.0.1:" + b.port()), TestNode.API_KEY));
        try (SpringStomp onB = SpringStomp.connect(b, "dora")) {
            onB.subscribe("room", "/topic/room.failover");
            a.close(); // node a is gone: every send must now land on b
            for (int i = 0; i < 6; i++) {
                two.toRoom("failover", "after a died " + i);
            }
            for (int i = 0; i < 6; i++) {
                assertThat(onB.nextEvent("room", "message").body()).isEqualTo("after a died " + i);
            }
        } finally {
            two.close();
            b.close();
        }
    }

    @Test
    void whenNoNodeAnswersTheFailureSaysWhichWereTried() throws Exception {
        int dead;
        try (ServerSocket s = new ServerSocket(0)) {
            dead = s.getLocalPort();
        }
        RoomcastPublisher none = RoomcastPublisher.http(HttpTransportSettings.of("http://127.0.0.1:" + dead, "k"));
        assertThatThrownBy(() -> none.toRoom("r", "x")).isInstanceOf(RoomcastPublishException.class)
                .hasMessageContaining("no node accepted").hasMessageContaining(":" + dead)
                .hasCauseInstanceOf(java.net.ConnectException.class);
        none.close();
    }
}
