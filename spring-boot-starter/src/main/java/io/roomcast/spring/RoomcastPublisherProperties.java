package io.roomcast.spring;

import org.springframework.boot.context.properties.ConfigurationProperties;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code roomcast.publisher.*}: how the auto-configured {@code RoomcastPublisher} reaches Roomcast.
 */
@ConfigurationProperties(prefix = "roomcast.publisher")
public class RoomcastPublisherProperties {
    public enum Transport { HTTP, ROCKETMQ }

    /** How to publish: through the nodes' HTTP API, or straight onto the RocketMQ bus topic. */
    private Transport transport = Transport.HTTP;

    /** Whether to create the publisher at all. */
    private boolean enabled = true;

    private final Http http = new Http();

    private final Rocketmq rocketmq = new Rocketmq();

    public Transport getTransport() {
        return transport;
    }

    public void setTransport(Transport transport) {
        this.transport = transport;
    }

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public Http getHttp() {
        return http;
    }

    public Rocketmq getRocketmq() {
        return rocketmq;
    }

    /** The HTTP transport (also used by the RocketMQ transport for presence, when set). */
    public static class Http {
        /** Node (or load balancer) URLs; a send that fails on one is tried on the next. */
        private List<URI> nodes = new ArrayList<>();

        /** The nodes' API key. */
        private String apiKey;

        /** Timeout of one request. */
        private Duration timeout = Duration.ofSeconds(5);

        /** Payloads larger than this many bytes are refused before sending. */
        private int maxPayloadBytes = 64 * 1024;

        public List<URI> getNodes() {
            return nodes;
        }

        public void setNodes(List<URI> nodes) {
            this.nodes = nodes;
        }

        public String getApiKey() {
            return apiKey;
        }

        public void setApiKey(String apiKey) {
            this.apiKey = apiKey;
        }

        public Duration getTimeout() {
            return timeout;
        }

        public void setTimeout(Duration timeout) {
            this.timeout = timeout;
        }

        public int getMaxPayloadBytes() {
            return maxPayloadBytes;
        }

        public void setMaxPayloadBytes(int maxPayloadBytes) {
            this.maxPayloadBytes = maxPayloadBytes;
        }
    }

    /** The RocketMQ transport, with the original producer's settings under their original names. */
    public static class Rocketmq {
        /** Producer group. */
        private String groupName = "roomcast-publisher";

        /** NameServer address(es), host:port, ';'-separated. */
        private String namesrvAddr;

        /** Largest message, in bytes. */
        private int maxMessageSize = 4 * 1024 * 1024;

        /** Timeout of one send, in milliseconds. */
        private int sendMsgTimeout = 3000;

        /** How often a failed send is retried. */
        private int retryTimesWhenSendFailed = 2;

        /** The nodes' bus topic (their --topic). */
        private String topic = "roomcast";

        /** Queues of the topic, should this publisher be the first to create it (the nodes' --partitions). */
        private int partitions = 16;

        public String getGroupName() {
            return groupName;
        }

        public void setGroupName(String groupName) {
            this.groupName = groupName;
        }

        public String getNamesrvAddr() {
            return namesrvAddr;
        }

        public void setNamesrvAddr(String namesrvAddr) {
            this.namesrvAddr = namesrvAddr;
        }

        public int getMaxMessageSize() {
            return maxMessageSize;
        }

        public void setMaxMessageSize(int maxMessageSize) {
            this.maxMessageSize = maxMessageSize;
        }

        public int getSendMsgTimeout() {
            return sendMsgTimeout;
        }

        public void setSendMsgTimeout(int sendMsgTimeout) {
            this.sendMsgTimeout = sendMsgTimeout;
        }

        public int getRetryTimesWhenSendFailed() {
            return retryTimesWhenSendFailed;
        }

        public void setRetryTimesWhenSendFailed(int retryTimesWhenSendFailed) {
            this.retryTimesWhenSendFailed = retryTimesWhenSendFailed;
        }

        public String getTopic() {
            return topic;
        }

        public void setTopic(String topic) {
            this.topic = topic;
        }

        public int getPartitions() {
            return partitions;
        }

        public void setPartitions(int partitions) {
            this.partitions = partitions;
        }
    }
}
