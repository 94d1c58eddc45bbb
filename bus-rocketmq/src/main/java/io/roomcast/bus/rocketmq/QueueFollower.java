package io.roomcast.bus.rocketmq;

import org.apache.rocketmq.client.consumer.DefaultMQPullConsumer;
import org.apache.rocketmq.client.consumer.PullCallback;
import org.apache.rocketmq.client.consumer.PullResult;
import org.apache.rocketmq.client.exception.MQClientException;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.remoting.protocol.heartbeat.MessageModel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A node's consumer: follows every queue of the topic from the offsets the node announced, with one
 * long-polling pull in flight per queue, and hands each message to the node on the thread that received the
 * answer. The next pull of a queue goes out only after its previous answer was handed over, so each queue's
 * messages arrive in order. Each pull names the offset it wants, so the follower carries its offsets from one
 * pull to the next and never reads them back from an offset store.
 *
 * <p>It starts at the announced offsets, not at RocketMQ's {@code CONSUME_FROM_LAST_OFFSET}, which takes the
 * newest offset only when a rebalance assigns the queue and so skips what was published before: the node's
 * history window and its reading must begin at the same message (see
 * docs/rocketmq-bus.md#queuefollower-starting-offsets).
 *
 * <p>It pulls itself rather than use RocketMQ's push consumer: a broadcast node reads every queue from offsets
 * it chose, so the push consumer's pull thread, consume pool and rebalance would only add thread hand-offs and
 * a wait before the first pull. These pulls carry their subscription ({@code "*"}), and nothing is assigned
 * (see docs/rocketmq-bus.md#queuefollower-pulls-instead-of-the-push-consumer).
 *
 * <p>{@link DefaultMQPullConsumer} is deprecated in favour of the lite pull consumer, but that one brings the
 * hand-offs back (it pulls on a thread per queue and hands messages over through a queue that another thread
 * polls); the asynchronous {@code pullBlockIfNotFound} is the client's one public long-polling pull with a
 * callback.
 *
 * <p>Thread-safe; {@link #close} stops it for good.
 */
@SuppressWarnings("deprecation")
final class QueueFollower implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(QueueFollower.class);
    /** Messages per pull at most: the broker answers with what is there, up to this many. */
    static final int PULL_BATCH = 64;
    /** After a failed pull (broker gone, say), that queue's next attempt waits this long. */
    static final long RETRY_MS = 1000;

    /** Receives each message with its partition, in each partition's order, never concurrently for one. */
    interface Sink {
        void accept(int partition, MessageExt message);
    }

    private final DefaultMQPullConsumer consumer;
    private final Queues queues;
    private final Sink sink;
    private final ScheduledExecutorService retries;
    private final AtomicBoolean failing = new AtomicBoolean();
    private volatile boolean closed;

    /**
     * Starts following at once: {@code next[p]} is the first offset read from partition {@code p}.
     *
     * @param retries where failed pulls wait before they are tried again (not owned: not shut down here)
     */
    QueueFollower(RocketMqBusConfig config, String group, Queues queues, long[] next, Sink sink,
                  ScheduledExecutorService retries) throws MQClientException {
        this.queues = queues;
        this.sink = sink;
        this.retries = retries;
        this.consumer = new DefaultMQPullConsumer(group);
        consumer.setNamesrvAddr(config.namesrv());
        consumer.setInstanceName(config.instanceName());
        consumer.setMessageModel(MessageModel.BROADCASTING);
        consumer.setOffsetStore(new StartingOffsets(queues, next)); // the client's own stores use files
        ClientThreads.inline(consumer); // a client instance of its own: RocketMQ marks a pull consumer's as "STREAM"
        consumer.start();
        for (int p = 0; p < queues.size(); p++) {
            pull(p, next[p]);
        }
    }

    private void pull(int partition, long offset) {
        if (closed) {
            return;
        }
        try {
            consumer.pullBlockIfNotFound(queues.get(partition), "*", offset, PULL_BATCH, new PullCallback() {
                @Override
                public void onSuccess(PullResult result) {
                    received(partition, offset, result);
                }

                @Override
                public void onException(Throwable failure) {
                    failed(partition, offset, failure);
                }
            });
        } catch (Exception e) {
            failed(partition, offset, e);
        }
    }

    private void received(int partition, long offset, PullResult result) {
        if (closed) {
            return;
        }
        if (failing.compareAndSet(true, false)) {
            log.info("pulling from RocketMQ again");
        }
        switch (result.getPullStatus()) {
            case FOUND -> result.getMsgFoundList().forEach(m -> sink.accept(partition, m));
            case OFFSET_ILLEGAL -> log.warn("partition {}: offset {} is outside the queue (its messages expired, or "
                    + "the broker lost them); reading on from {}", partition, offset, result.getNextBeginOffset());
            default -> {
                // NO_NEW_MSG: the long poll ended empty; NO_MATCHED_MSG can't happen with "*". Ask again.
            }
        }
        pull(partition, result.getNextBeginOffset());
    }

    private void failed(int partition, long offset, Throwable failure) {
        if (closed) {
            return;
        }
        if (failing.compareAndSet(false, true)) {
            log.warn("a pull from RocketMQ failed ({}); every queue retries each {} ms until it works",
                    failure.toString(), RETRY_MS);
        }
        try {
            retries.schedule(() -> pull(partition, offset), RETRY_MS, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException shuttingDown) {
            // the bus is closing
        }
    }

    @Override
    public void close() {
        closed = true;
        consumer.shutdown();
    }
}
