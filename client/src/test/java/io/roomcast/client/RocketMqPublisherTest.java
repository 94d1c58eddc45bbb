package io.roomcast.client;

import io.roomcast.bus.Position;
import io.roomcast.config.Settings;
import io.roomcast.testing.SharedBroker;
import io.roomcast.testing.SpringStomp;
import io.roomcast.testing.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The RocketMQ transport against a real NameServer and Broker and a real node on that bus: no node is on the
 * publish path, and a STOMP client on the node receives what was published, in order.
 */
class RocketMqPublisherTest {
    static final String TOPIC = "sdk-" + System.nanoTime();
    static TestNode node;
    static RoomcastPublisher publisher;

    @BeforeAll
    static void start() throws Exception {
        String namesrv = SharedBroker.get().namesrv();
        var dataDir = Files.createTempDirectory("roomcast-sdk-node");
        node = TestNode.start(s -> {
            s.bus = Settings.BusKind.rocketmq;
            s.namesrv = namesrv;
            s.topic = TOPIC;
            s.partitions = 4;
            s.nodeId = "sdk-node";
            s.dataDir = dataDir;
        });
        await().atMost(Duration.ofSeconds(60)).until(node::isReady);
        publisher = RoomcastPublisher.rocketMq(new RocketMqTransportSettings("roomcast-sdk-test", namesrv,
                64 * 1024, 3000, 2, TOPIC, 4, null));
    }

    @AfterAll
    static void stop() {
        if (publisher != null) {
            publisher.close();
        }
        if (node != null) {
            node.close();
        }
    }

    @Test
    void roomMessagesArriveInOrderWithThePositionsTheSendsReturned() throws Exception {
        try (SpringStomp alice = SpringStomp.connect(node, "alice")) {
            alice.subscribe("room", "/topic/room.stage");
            List<java.util.concurrent.CompletableFuture<Position>> sent = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                sent.add(publisher.toRoomAsync("stage", "line " + i));
            }
            for (int i = 0; i < 50; i++) {
                SpringStomp.Received m = alice.nextEvent("room", "message");
                assertThat(m.body()).isEqualTo("line " + i);
                assertThat(m.header("position")).isEqualTo(sent.get(i).get().toString());
            }
        }
    }

    @Test
    void directMessagesBroadcastsAndDisconnect() {
        SpringStomp bob = SpringStomp.connect(node, "bob");
        bob.subscribe("me", "/user/queue/messages");
        bob.subscribe("all", "/topic/broadcast");
        publisher.toUser("bob", java.util.Map.of("text", "hi bob"));
        SpringStomp.Received direct = bob.nextEvent("me", "direct");
        assertThat(direct.body()).isEqualTo("{\"text\":\"hi bob\"}");
        assertThat(direct.header("content-type")).startsWith("application/json");
        publisher.broadcast("to everyone".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(bob.nextEvent("all", "message").body()).isEqualTo("to everyone");
        publisher.disconnect("bob");
        await().atMost(Duration.ofSeconds(10)).until(() -> !bob.isConnected());
    }

    @Test
    void badArgumentsAreRefusedBeforeSendingAndPresenceSaysWhatItNeeds() {
        assertThatThrownBy(() -> publisher.toRoom("stage", null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("payload is null");
        assertThatThrownBy(() -> publisher.toRoom(null, "x")).hasMessageContaining("room is missing");
        assertThatThrownBy(() -> publisher.toUser("u", "x".repeat(64 * 1024 + 1))).hasMessageContaining("the limit is");
        assertThatThrownBy(() -> publisher.presence("stage")).isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("presenceNodes");
    }

    @Test
    void aBrokerThatIsNotThereFailsTheStartWithTheReason() throws Exception {
        int dead;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            dead = s.getLocalPort();
        }
        int port = dead;
        assertThatThrownBy(() -> RocketMqPublisher.start(RocketMqTransportSettings.of("g", "127.0.0.1:" + port),
                PayloadSerializer.jackson(), Duration.ofSeconds(3)))
                .isInstanceOf(RoomcastStartException.class).hasMessageContaining("could not start")
                .hasMessageContaining("127.0.0.1:" + port);
    }
}
