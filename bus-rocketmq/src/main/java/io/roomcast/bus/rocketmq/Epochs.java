package io.roomcast.bus.rocketmq;

import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.impl.MQClientAPIImpl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.SecureRandom;

/**
 * The epoch of the bus topic: a random id the first Roomcast node to use the topic stores in the NameServer's
 * KV configuration (namespace {@value #NAMESPACE}, key {@code epoch.<topic>}), which the NameServer keeps on
 * disk.
 *
 * <ul>
 *   <li>Another broker cluster has another NameServer, so another (or no) epoch: its positions can't be
 *       mistaken for this cluster's.</li>
 *   <li>A node that creates the topic always writes a new epoch, so a topic that was deleted and created again
 *       through Roomcast starts a new epoch. An operator who recreates the topic by hand must delete the KV
 *       entry too (documented in the README).</li>
 * </ul>
 * When two nodes race to create the epoch, the last write wins; every node re-reads the epoch with its health
 * check and starts over (a new history window) when it changed, so they converge.
 */
final class Epochs {
    static final String NAMESPACE = "roomcast";
    private static final Logger log = LoggerFactory.getLogger(Epochs.class);
    private static final long TIMEOUT_MS = 3000;
    private static final long SETTLE_MS = 1000;

    private Epochs() {
    }

    /**
     * @param createdTopic whether this node just created the topic, which always starts a new epoch
     */
    static String of(DefaultMQProducer producer, String topic, boolean createdTopic) throws Exception {
        MQClientAPIImpl api = api(producer);
        String existing = read(producer, topic);
        if (existing != null && !createdTopic) {
            return existing;
        }
        String fresh = "r" + Long.toString(new SecureRandom().nextLong() & Long.MAX_VALUE, 36);
        api.putKVConfigValue(NAMESPACE, key(topic), fresh, TIMEOUT_MS);
        // Nodes that create the topic together each write an epoch; give the other writes time to land, so
        // that everyone reads back the same last one.
        Thread.sleep(SETTLE_MS);
        String stored = read(producer, topic);
        log.info("topic {}: new epoch {}", topic, stored);
        return stored != null ? stored : fresh;
    }

    /** The stored epoch, or null when there is none or the NameServer can't be asked. */
    static String read(DefaultMQProducer producer, String topic) {
        return read(api(producer), key(topic));
    }

    private static MQClientAPIImpl api(DefaultMQProducer producer) {
        return producer.getDefaultMQProducerImpl().getMqClientFactory().getMQClientAPIImpl();
    }

    private static String key(String topic) {
        return "epoch." + topic;
    }

    private static String read(MQClientAPIImpl api, String key) {
        try {
            String v = api.getKVConfigValue(NAMESPACE, key, TIMEOUT_MS);
            return v == null || v.isEmpty() ? null : v;
        } catch (Exception notFound) {
            return null;
        }
    }
}
