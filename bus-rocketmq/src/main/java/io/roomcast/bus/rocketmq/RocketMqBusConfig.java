package io.roomcast.bus.rocketmq;

import java.nio.file.Path;
import java.time.Duration;

/**
 * How a node (or a publishing backend) uses RocketMQ.
 *
 * @param namesrv        NameServer address(es), ';'-separated
 * @param topic          the bus topic; created with {@code queues} queues when missing
 * @param queues         queues of a topic this node creates (an existing topic keeps its own count)
 * @param instanceName   this node's client instance name; unique per node, because broadcast offsets are kept
 *                       per instance
 * @param dataDir        the RocketMQ client's local directory (offsets live in memory: see {@link StartingOffsets})
 * @param sendTimeout    how long a publish may take before it fails
 * @param maxMessageSize the largest encoded message; larger ones are refused before they are sent
 * @param producerGroup  the producer group name
 * @param retryTimesWhenSendFailed how often RocketMQ retries a send that failed
 */
public record RocketMqBusConfig(String namesrv, String topic, int queues, String instanceName, Path dataDir,
                                Duration sendTimeout, int maxMessageSize, String producerGroup,
                                int retryTimesWhenSendFailed) {
    public static final String DEFAULT_TOPIC = "roomcast";
    public static final int DEFAULT_MAX_MESSAGE_SIZE = 4 * 1024 * 1024;
    public static final int DEFAULT_RETRIES = 1;

    /** A node's configuration: its producer group is named after its instance. */
    public RocketMqBusConfig(String namesrv, String topic, int queues, String instanceName, Path dataDir,
                             Duration sendTimeout, int maxMessageSize) {
        this(namesrv, topic, queues, instanceName, dataDir, sendTimeout, maxMessageSize,
                "roomcast-producer-" + instanceName, DEFAULT_RETRIES);
    }
}
