package io.roomcast.bus.rocketmq;

import org.apache.rocketmq.common.message.MessageQueue;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The topic's queues in one fixed order (broker name, then queue id). A partition number is an index into this
 * order, so every node and publisher maps a stream to the same queue, and a position names the same queue
 * everywhere. Immutable.
 */
final class Queues {
    private final List<MessageQueue> ordered;

    Queues(List<MessageQueue> queues) {
        List<MessageQueue> sorted = new ArrayList<>(queues);
        sorted.sort(Comparator.comparing(MessageQueue::getBrokerName).thenComparingInt(MessageQueue::getQueueId));
        this.ordered = List.copyOf(sorted);
    }

    int size() {
        return ordered.size();
    }

    MessageQueue get(int partition) {
        return ordered.get(partition);
    }

    List<MessageQueue> all() {
        return ordered;
    }
}
