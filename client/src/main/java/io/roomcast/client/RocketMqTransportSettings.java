package io.roomcast.client;

import java.time.Duration;

/**
 * The RocketMQ transport, with the original {@code BroadcastMqProducer}'s five settings and their meaning.
 *
 * @param groupName                the producer group
 * @param namesrvAddr              NameServer address(es), {@code host:port}, ';'-separated
 * @param maxMessageSize           the largest message, in bytes; larger payloads are refused before sending
 * @param sendMsgTimeout           how long one send may take, in milliseconds
 * @param retryTimesWhenSendFailed how often RocketMQ retries a failed send
 * @param topic                    the nodes' bus topic ({@code --topic}, default {@code roomcast})
 * @param partitions               queues of the topic if this publisher has to create it (the nodes' {@code --partitions})
 * @param presenceNodes            optional node URLs and key for {@code presence()}, which only nodes can answer
 */
public record RocketMqTransportSettings(String groupName, String namesrvAddr, int maxMessageSize, int sendMsgTimeout,
                                        int retryTimesWhenSendFailed, String topic, int partitions,
                                        HttpTransportSettings presenceNodes) {
    public static final int DEFAULT_MAX_MESSAGE_SIZE = 4 * 1024 * 1024;
    public static final int DEFAULT_SEND_MSG_TIMEOUT = 3000;
    public static final int DEFAULT_RETRIES = 2;
    public static final Duration START_TIMEOUT = Duration.ofSeconds(20);

    public RocketMqTransportSettings {
        if (groupName == null || groupName.isBlank()) {
            throw new IllegalArgumentException("groupName: required (the producer group)");
        }
        if (namesrvAddr == null || !namesrvAddr.matches("[^\\s;:]+:\\d+(;[^\\s;:]+:\\d+)*")) {
            throw new IllegalArgumentException("namesrvAddr: expected host:port[;host:port...], got '" + namesrvAddr + "'");
        }
        if (maxMessageSize <= 0) {
            throw new IllegalArgumentException("maxMessageSize: must be positive, got " + maxMessageSize);
        }
        if (sendMsgTimeout <= 0) {
            throw new IllegalArgumentException("sendMsgTimeout: must be positive (milliseconds), got " + sendMsgTimeout);
        }
        if (retryTimesWhenSendFailed < 0) {
            throw new IllegalArgumentException("retryTimesWhenSendFailed: must not be negative, got "
                    + retryTimesWhenSendFailed);
        }
        if (topic == null || topic.isBlank()) {
            throw new IllegalArgumentException("topic: required (the nodes' --topic, default roomcast)");
        }
        if (partitions <= 0) {
            throw new IllegalArgumentException("partitions: must be positive, got " + partitions);
        }
    }

    public static RocketMqTransportSettings of(String groupName, String namesrvAddr) {
        return new RocketMqTransportSettings(groupName, namesrvAddr, DEFAULT_MAX_MESSAGE_SIZE, DEFAULT_SEND_MSG_TIMEOUT,
                DEFAULT_RETRIES, "roomcast", 16, null);
    }

    public RocketMqTransportSettings withTopic(String topic, int partitions) {
        return new RocketMqTransportSettings(groupName, namesrvAddr, maxMessageSize, sendMsgTimeout,
                retryTimesWhenSendFailed, topic, partitions, presenceNodes);
    }

    public RocketMqTransportSettings withPresenceNodes(HttpTransportSettings nodes) {
        return new RocketMqTransportSettings(groupName, namesrvAddr, maxMessageSize, sendMsgTimeout,
                retryTimesWhenSendFailed, topic, partitions, nodes);
    }
}
