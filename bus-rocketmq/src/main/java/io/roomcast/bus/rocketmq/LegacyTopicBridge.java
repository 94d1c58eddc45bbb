package io.roomcast.bus.rocketmq;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.consumer.listener.MessageListenerConcurrently;
import org.apache.rocketmq.client.exception.MQClientException;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.remoting.protocol.heartbeat.MessageModel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Keeps the original service's producers working during a migration: consumes its topic (default
 * {@code ws-topic}, tag {@code ws-tag}, JSON {@code {eventType, message, sessionKey}}) and republishes each
 * message onto the Roomcast bus: eventType 1 as a broadcast, eventType 2 as a direct message to the user
 * {@code sessionKey}.
 *
 * <p>All nodes share one CLUSTERING consumer group, so each legacy message is taken by exactly one node and
 * published once; the bus then gives it a position and every node delivers it, so it is ordered and
 * recoverable like any other message. A message that can't be published now is retried by RocketMQ; one that
 * can't be parsed is logged and counted, never retried forever.
 *
 * <p>Thread-safe.
 */
public final class LegacyTopicBridge implements AutoCloseable {
    public static final String DEFAULT_TOPIC = "ws-topic";
    public static final String DEFAULT_TAG = "ws-tag";
    static final String GROUP = "roomcast-legacy-bridge";
    private static final int HEARTBEAT_MS = 1000;
    private static final Logger log = LoggerFactory.getLogger(LegacyTopicBridge.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Where legacy messages go: the node's outbox. */
    public interface Target {
        CompletableFuture<?> broadcast(String message);

        CompletableFuture<?> direct(String user, String message);
    }

    private final DefaultMQPushConsumer consumer;
    private final Target target;
    private final LongAdder rejected = new LongAdder();

    public LegacyTopicBridge(String namesrv, String instanceName, String topic, String tag, Target target) {
        this.target = target;
        this.consumer = new DefaultMQPushConsumer(GROUP);
        consumer.setNamesrvAddr(namesrv);
        consumer.setInstanceName(instanceName + "-legacy");
        consumer.setMessageModel(MessageModel.CLUSTERING);
        consumer.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_LAST_OFFSET);
        consumer.setPollNameServerInterval(5000);
        // After a rebalance the broker refuses a push consumer's pulls ("subscription is not latest") until its
        // next heartbeat: the default 30 s would stall the bridge that long after a start.
        consumer.setHeartbeatBrokerInterval(HEARTBEAT_MS);
        try {
            consumer.subscribe(topic, tag);
        } catch (MQClientException e) {
            throw new IllegalArgumentException("cannot subscribe to legacy topic " + topic + ": " + e.getErrorMessage(), e);
        }
        consumer.registerMessageListener((MessageListenerConcurrently) (messages, context) -> {
            for (MessageExt m : messages) {
                if (!bridge(m)) {
                    return ConsumeConcurrentlyStatus.RECONSUME_LATER;
                }
            }
            return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
        });
    }

    public void start() throws MQClientException {
        consumer.start();
    }

    /** @return false when the message should be retried later (the bus could not take it) */
    private boolean bridge(MessageExt m) {
        JsonNode json;
        try {
            json = JSON.readTree(new String(m.getBody(), StandardCharsets.UTF_8));
        } catch (Exception e) {
            return reject(m, "body is not JSON");
        }
        int eventType = json.path("eventType").asInt(-1);
        String message = json.path("message").isTextual() ? json.path("message").asText()
                : json.path("message").isMissingNode() || json.path("message").isNull() ? null : json.path("message").toString();
        if (message == null || message.isEmpty()) {
            return reject(m, "'message' is missing or empty");
        }
        CompletableFuture<?> published;
        switch (eventType) {
            case 1 -> published = target.broadcast(message);
            case 2 -> {
                String user = json.path("sessionKey").asText("");
                if (user.isEmpty()) {
                    return reject(m, "eventType 2 needs a 'sessionKey'");
                }
                published = target.direct(user, message);
            }
            default -> {
                return reject(m, "unknown eventType " + json.path("eventType"));
            }
        }
        try {
            published.get(10, TimeUnit.SECONDS);
            return true;
        } catch (Exception e) {
            log.warn("legacy message {} not published yet ({}); RocketMQ will retry it", m.getMsgId(), e.toString());
            return false;
        }
    }

    private boolean reject(MessageExt m, String why) {
        rejected.increment();
        log.warn("legacy message {} on {} rejected: {}; expected {{\"eventType\":1|2,\"message\":\"...\",\"sessionKey\":\"...\"}}",
                m.getMsgId(), m.getTopic(), why);
        return true; // retrying can't fix it
    }

    /** Legacy messages rejected as malformed since start. */
    public long rejected() {
        return rejected.sum();
    }

    @Override
    public void close() {
        consumer.shutdown();
    }
}
