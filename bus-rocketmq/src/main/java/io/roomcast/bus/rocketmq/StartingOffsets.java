package io.roomcast.bus.rocketmq;

import org.apache.rocketmq.client.consumer.store.OffsetStore;
import org.apache.rocketmq.client.consumer.store.ReadOffsetType;
import org.apache.rocketmq.common.message.MessageQueue;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@link QueueFollower}'s offsets, in memory only, seeded with exactly the offsets the node announced in
 * {@link io.roomcast.bus.BusListener#onReady} and moved on after each pull.
 *
 * <p>Why seeded, not RocketMQ's {@code CONSUME_FROM_LAST_OFFSET}: a new broadcast push consumer took the
 * queue's newest offset when its first rebalance assigned the queue, about a second after {@code start()}.
 * Whatever was published in between was skipped, while the node's history window already vouched for it
 * from the offsets it read at start-up: a client resuming on a freshly started node was told "nothing
 * missed" and then missed those messages. Seeding the store makes the first pull start where the window
 * starts, so the two agree by construction.
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

    /** Kept: a queue taken away and given back must resume where it stopped, not at the newest offset. */
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
