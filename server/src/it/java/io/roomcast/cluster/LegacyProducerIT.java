package io.roomcast.cluster;

import io.roomcast.testing.NodeProcess;
import io.roomcast.testing.SharedBroker;
import io.roomcast.testing.SpringStomp;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.message.Message;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.messaging.simp.stomp.StompHeaders;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The original service's producer, as it was: JSON {eventType, message, sessionKey} on ws-topic with tag
 * ws-tag. A node with --legacy-topic delivers it to the right clients.
 */
class LegacyProducerIT {
    static DefaultMQProducer legacyProducer;
    static NodeProcess node;

    @BeforeAll
    static void start() throws Exception {
        String namesrv = SharedBroker.get().namesrv();
        legacyProducer = new DefaultMQProducer("legacy-app-producer");
        legacyProducer.setNamesrvAddr(namesrv);
        legacyProducer.setInstanceName("legacy-app");
        legacyProducer.start();
        legacyProducer.createTopic("TBW102", "ws-topic", 4, Map.of());
        node = NodeProcess.start("node-legacy", namesrv, "--legacy-topic", "ws-topic");
    }

    @AfterAll
    static void stop() {
        if (node != null) {
            node.close();
        }
        legacyProducer.shutdown();
    }

    private static void sendLegacy(String json) throws Exception {
        Message m = new Message("ws-topic", "ws-tag", json.getBytes(StandardCharsets.UTF_8));
        assertThat(legacyProducer.send(m).getSendStatus()).isEqualTo(SendStatus.SEND_OK);
    }

    @Test
    void legacyDirectAndBroadcastMessagesReachTheRightClients() throws Exception {
        StompHeaders h = new StompHeaders();
        h.setLogin("session-key-42");
        StompHeaders other = new StompHeaders();
        other.setLogin("someone-else");
        try (SpringStomp target = SpringStomp.connect(node.wsUrl(), h, new long[] {0, 0});
             SpringStomp bystander = SpringStomp.connect(node.wsUrl(), other, new long[] {0, 0})) {
            target.subscribe("me", "/user/queue/sendUser");
            target.subscribe("all", "/topic/sendTopic");
            bystander.subscribe("me", "/user/queue/sendUser");
            // The bridge's consumer may still be taking its queues: retry the first send until it arrives.
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            SpringStomp.Received direct = null;
            while (direct == null && System.nanoTime() < deadline) {
                sendLegacy("{\"eventType\":2,\"message\":\"{\\\"order\\\":7}\",\"sessionKey\":\"session-key-42\"}");
                direct = target.queue("me").poll(2, java.util.concurrent.TimeUnit.SECONDS);
            }
            assertThat(direct).as("the legacy direct message").isNotNull();
            assertThat(direct.body()).isEqualTo("{\"order\":7}");
            assertThat(direct.event()).isEqualTo("direct");
            assertThat(direct.header("position")).isNotBlank();
            // The fence: a direct message to the bystander, published after the target received its own; the
            // node hands both to every event loop in that order, so the bystander's next frame is the fence.
            assertThat(node.post("/api/users/someone-else/messages", "{\"data\":\"fence\"}").statusCode())
                    .isEqualTo(200);
            bystander.assertNextIs("me", "fence");

            sendLegacy("{\"eventType\":1,\"message\":\"hello everyone\",\"sessionKey\":null}");
            assertThat(target.nextEvent("all", "message").body()).isEqualTo("hello everyone");
        }
    }
}
