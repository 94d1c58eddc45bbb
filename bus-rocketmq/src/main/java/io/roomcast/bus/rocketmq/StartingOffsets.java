package io.roomcast.bus.rocketmq;

import org.apache.rocketmq.client.consumer.store.OffsetStore;
import org.apache.rocketmq.client.consumer.store.ReadOffsetType;
import org.apache.rocketmq.common.message.MessageQueue;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The offset store of the {@link QueueFollower}'s pull consumer: in memory only, so that the client reads and
 * writes no offset files. It holds the offsets the follower started from, the ones the node announced in
 * {@link io.roomcast.bus.BusListener#onReady}. The follower itself never reads them back: each of its pulls
 * names its offset.
 *
 * <p>Nothing is persisted: a node never needs its own offsets back, because clients resume from their own
 * positions (see {@link RocketMqBus}).
 */
final class StartingOffsets implements OffsetStore {
    private final Map<MessageQueue, Long> offsets = new ConcurrentHashMap<>();

    StartingOffsets(Queues queues, long[] next) {
        for (int i = 0; i < next.length; i++) {
            offsets.put(queues.get(i), next[i]);
        }
    }

    @Override
    public void load() {
    }

    @Override
    public void updateOffset(MessageQueue mq, long offset, boolean increaseOnly) {
        offsets.merge(mq, offset, (old, now) -> increaseOnly ? Math.max(old, now) : now);
    }

    @Override
    public void updateAndFreezeOffset(MessageQueue mq, long offset) {
        offsets.put(mq, offset);
    }

    /** The next offset to consume, or -1 for a queue the node never announced (RocketMQ then applies
     * {@code consumeFromWhere}). */
    @Override
    public long readOffset(MessageQueue mq, ReadOffsetType type) {
        return offsets.getOrDefault(mq, -1L);
    }

    @Override
    public void persistAll(Set<MessageQueue> mqs) {
    }

    @Override
    public void persist(MessageQueue mq) {
    }

    /** Kept: nothing here needs forgetting (a queue the client's rebalance drops is still followed). */
    @Override
    public void removeOffset(MessageQueue mq) {
    }

    @Override
    public Map<MessageQueue, Long> cloneOffsetTable(String topic) {
        Map<MessageQueue, Long> copy = new HashMap<>();
        offsets.forEach((mq, offset) -> {
            if (topic == null || topic.isEmpty() || mq.getTopic().equals(topic)) {
                copy.put(mq, offset);
            }
        });
        return copy;
    }

    @Override
    public void updateConsumeOffsetToBroker(MessageQueue mq, long offset, boolean isOneway) {
        // Broadcast consumers keep their offsets on the client; there is nothing to tell the broker.
    }
}
