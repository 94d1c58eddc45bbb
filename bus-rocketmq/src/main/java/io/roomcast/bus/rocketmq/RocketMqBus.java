package io.roomcast.bus.rocketmq;

import io.roomcast.bus.Bus;
import io.roomcast.bus.BusListener;
import io.roomcast.bus.BusUnavailableException;
import io.roomcast.bus.Envelope;
import io.roomcast.bus.MessageTooLargeException;
import io.roomcast.bus.Position;
import io.roomcast.bus.Published;
import org.apache.rocketmq.client.exception.MQClientException;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendCallback;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.common.message.MessageQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiConsumer;
import io.roomcast.bus.LogReader;

/**
 * The cluster bus. Publishes each stream to its own queue (by {@link Queues}), in order and batched per
 * partition (see {@link Lane}); every node reads every queue ({@link QueueFollower}), in order per queue.
 *
 * <p><b>Start-up never blocks on the broker.</b> A background task connects, creates the topic if it is
 * missing, learns the epoch and the queues' current offsets, then starts the consumer; until then, and
 * whenever the broker can't be reached, {@link #isReady()} is false and publishes fail with
 * {@link BusUnavailableException}. A health check every {@value #HEALTH_INTERVAL_MS} ms brings readiness back
 * by itself when the broker returns.
 *
 * <p><b>Where a node starts reading:</b> at the newest offsets, read once at start-up, announced to the node
 * ({@link BusListener#onReady}) and handed to the {@link QueueFollower}, so that the node's history and its
 * reading begin at the same message. Clients resume from their own positions, so a restarted node has no
 * backlog of its own to deliver. The bus is ready as soon as the follower's pulls are out: nothing waits for a
 * rebalance.
 *
 * <p>Thread-safe.
 */
public final class RocketMqBus implements Bus {
    private static final Logger log = LoggerFactory.getLogger(RocketMqBus.class);
    static final String CONSUMER_GROUP = "roomcast-nodes";
    static final long HEALTH_INTERVAL_MS = 2000;
    static final long RETRY_INTERVAL_MS = 2000;

    static {
        RemotingHeaders.preferBinary();
    }

    private final RocketMqBusConfig config;
    private final DefaultMQProducer producer;
    private final ScheduledExecutorService background;
    private final LongAdder deliveryFailures = new LongAdder();
    private final LongAdder publishRequests = new LongAdder();
    private volatile QueueFollower consumer;
    private volatile Queues queues;
    private volatile Lane[] lanes;
    private volatile String epoch;
    private volatile boolean ready;
    private volatile String unavailableReason;
    private volatile boolean closed;
    private volatile boolean createdTopic;
    private volatile BusListener listener;
    private final RocketMqLogReader logReader;

    public RocketMqBus(RocketMqBusConfig config) {
        this.config = config;
        this.unavailableReason = "not connected to RocketMQ at " + config.namesrv() + " yet";
        if (config.dataDir() != null) { // a publish-only bus (the SDK) keeps no offsets and leaves this alone
            // The node's follower keeps its offsets in memory (StartingOffsets); this only keeps whatever local file
            // the RocketMQ client might still write out of the working directory. Read into a static field: set early.
            System.setProperty("rocketmq.client.localOffsetStoreDir", config.dataDir().resolve("offsets").toString());
        }
        this.producer = new DefaultMQProducer(config.producerGroup());
        producer.setNamesrvAddr(config.namesrv());
        producer.setInstanceName(config.instanceName());
        producer.setSendMsgTimeout((int) config.sendTimeout().toMillis());
        producer.setMaxMessageSize(config.maxMessageSize());
        producer.setRetryTimesWhenSendFailed(config.retryTimesWhenSendFailed());
        producer.setRetryTimesWhenSendAsyncFailed(config.retryTimesWhenSendFailed());
        this.logReader = new RocketMqLogReader(config, producer, () -> queues, () -> epoch);
        this.background = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "roomcast-bus-rocketmq");
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public void start(BusListener listener) {
        try {
            ClientThreads.inline(producer);
            producer.start();
        } catch (MQClientException e) {
            throw new IllegalStateException("RocketMQ producer did not start: " + e.getErrorMessage(), e);
        }
        background.execute(() -> connect(listener));
    }

    /**
     * Starts only the publishing half: no consumer, no listener. For backends that publish straight onto the
     * bus (the SDK's RocketMQ transport) with exactly the nodes' partitioning, envelope and per-stream order.
     */
    public void startPublishing() {
        start(null);
    }

    /** Connects, retrying until it succeeds or the bus is closed; then starts the health check. */
    private void connect(BusListener listener) {
        if (closed) {
            return;
        }
        try {
            Queues q = ensureTopic();
            String e = Epochs.of(producer, config.topic(), createdTopic);
            this.lanes = new Lane[q.size()];
            for (int i = 0; i < lanes.length; i++) {
                int partition = i;
                // A batch is one message to the broker: keep it well inside the size limit.
                lanes[i] = new Lane(config.maxMessageSize() / 2, (lane, batch) -> sendBatch(q, partition, lane, batch));
            }
            this.queues = q;
            this.epoch = e;
            this.listener = listener;
            if (listener != null) {
                long[] next = nextOffsets(q);
                listener.onReady(e, next);
                startConsumer(listener, q, next);
            }
            ready = true;
            log.info("RocketMQ bus ready: topic {} with {} queues at {}, epoch {}", config.topic(), q.size(),
                    config.namesrv(), e);
            background.scheduleWithFixedDelay(this::checkHealth, HEALTH_INTERVAL_MS, HEALTH_INTERVAL_MS,
                    TimeUnit.MILLISECONDS);
        } catch (Exception ex) {
            unavailableReason = "cannot reach RocketMQ at " + config.namesrv() + ": " + describe(ex);
            log.warn("{}; retrying in {} ms", unavailableReason, RETRY_INTERVAL_MS);
            stopConsumer();
            background.schedule(() -> connect(listener), RETRY_INTERVAL_MS, TimeUnit.MILLISECONDS);
        }
    }

    private long[] nextOffsets(Queues q) throws Exception {
        long[] next = new long[q.size()];
        for (int i = 0; i < next.length; i++) {
            next[i] = producer.maxOffset(q.get(i));
        }
        return next;
    }

    private Queues ensureTopic() throws Exception {
        try {
            return new Queues(producer.fetchPublishMessageQueues(config.topic()));
        } catch (MQClientException missing) {
            producer.createTopic("TBW102", config.topic(), config.queues(), Map.of());
            createdTopic = true;
            log.info("created topic {} with {} queues (it did not exist)", config.topic(), config.queues());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (true) {
                try {
                    List<MessageQueue> mqs = producer.fetchPublishMessageQueues(config.topic());
                    if (mqs.size() >= config.queues()) {
                        return new Queues(mqs);
                    }
                } catch (MQClientException notYet) {
                    if (System.nanoTime() > deadline) {
                        throw notYet;
                    }
                }
                Thread.sleep(200);
            }
        }
    }

    private void startConsumer(BusListener listener, Queues q, long[] next) throws MQClientException {
        this.consumer = new QueueFollower(config, CONSUMER_GROUP, q, next, (partition, m) -> deliver(listener,
                partition, m), background);
    }

    /**
     * Hands one message to the node. Never throws: a failure here is logged and counted, and the queue reads
     * on (a broadcast message has no redelivery to fall back on).
     */
    private void deliver(BusListener listener, int partition, MessageExt m) {
        try {
            Envelope envelope = EnvelopeCodec.decode(m.getBody());
            listener.onMessage(new Published(new Position(epoch, partition, m.getQueueOffset()), envelope,
                    m.getStoreTimestamp()));
        } catch (Throwable t) {
            deliveryFailures.increment();
            log.error("could not deliver message {} (queue {}, offset {}); counted as a delivery failure",
                    m.getMsgId(), m.getQueueId(), m.getQueueOffset(), t);
        }
    }

    private void checkHealth() {
        Queues q = queues;
        try {
            producer.maxOffset(q.get(0));
            String stored = Epochs.read(producer, config.topic());
            if (stored != null && !stored.equals(epoch)) {
                log.warn("the topic's epoch changed from {} to {}: starting a new history window", epoch, stored);
                BusListener l = listener;
                if (l != null) {
                    // The window and the follower start again at the same offsets, as at start-up. The offsets
                    // are read before the old follower stops: a message published in between reaches the node
                    // twice, once under each epoch, rather than not at all. The old follower stops before the
                    // epoch changes, so nothing it reads arrives labelled with the new one.
                    long[] next = nextOffsets(q);
                    stopConsumer();
                    epoch = stored;
                    l.onReady(stored, next);
                    startConsumer(l, q, next);
                } else {
                    epoch = stored;
                }
            }
            if (!ready) {
                log.info("RocketMQ is reachable again; the bus is ready");
            }
            ready = true;
        } catch (Exception ex) {
            if (ready) {
                log.warn("RocketMQ became unreachable: {}", describe(ex));
            }
            unavailableReason = "RocketMQ is unreachable: " + describe(ex);
            ready = false;
        }
    }

    @Override
    public CompletableFuture<Position> publish(Envelope envelope) {
        Queues q = queues;
        if (q == null || !ready) {
            return CompletableFuture.failedFuture(new BusUnavailableException(unavailableReason, null));
        }
        byte[] body = EnvelopeCodec.encode(envelope);
        if (body.length > config.maxMessageSize()) {
            return CompletableFuture.failedFuture(new MessageTooLargeException("the message is " + body.length
                    + " bytes; the bus accepts at most " + config.maxMessageSize()));
        }
        // No tags and no keys: the envelope carries the event and the stream, nodes subscribe to everything, and a
        // message is found by its position (queue and offset). Each property costs a parse per message on every
        // node, and each key an index entry in the broker (see docs/rocketmq-bus.md#rocketmqbus-no-tags-or-keys).
        // Nor "WAIT=true", which Message(topic, body) adds: a missing WAIT means the same to the broker (wait for
        // the store to confirm), and the property would be stored, sent and parsed again with every message.
        Message message = new Message();
        message.setTopic(config.topic());
        message.setBody(body);
        int partition = envelope.stream().partition(q.size());
        return lanes[partition].offer(message, body.length);
    }

    /**
     * Sends what queued up in one partition's lane as one request: one message alone, or several as a RocketMQ
     * batch, which the broker stores consecutively, so the n-th gets the batch's first offset plus n. The
     * positions carry the epoch current when the broker took them.
     */
    private void sendBatch(Queues q, int partition, Lane lane, List<Lane.Pending> batch) {
        MessageQueue queue = q.get(partition);
        String e = epoch;
        publishRequests.increment();
        SendCallback callback = new SendCallback() {
            @Override
            public void onSuccess(SendResult sent) {
                long first = sent.getQueueOffset();
                for (int i = 0; i < batch.size(); i++) {
                    batch.get(i).result().complete(new Position(e, partition, first + i));
                }
                lane.done();
            }

            @Override
            public void onException(Throwable failure) {
                BusUnavailableException u = unavailable(failure);
                batch.forEach(p -> p.result().completeExceptionally(u));
                lane.done();
            }
        };
        try {
            if (batch.size() == 1) {
                producer.send(batch.get(0).message(), queue, callback, config.sendTimeout().toMillis());
            } else {
                producer.send(batch.stream().map(Lane.Pending::message).toList(), queue, callback,
                        config.sendTimeout().toMillis());
            }
        } catch (Exception ex) {
            callback.onException(ex);
        }
    }

    /**
     * One partition's sends, in order. A stream's messages must reach the broker in the order they were
     * published, and RocketMQ's asynchronous sends may overtake each other, so a lane has one request in flight
     * at a time. Whatever queues up meanwhile goes out together in the next request: under load a partition
     * costs one round trip per batch instead of one per message, which is what keeps a busy cluster's latency
     * flat.
     */
    static final class Lane {
        /** At most this many messages, or {@link #maxBatchBytes} bytes, per request. */
        static final int MAX_BATCH = 128;

        record Pending(Message message, int size, CompletableFuture<Position> result) {
        }

        private final int maxBatchBytes;
        /** Sends one batch; calls {@link #done} when the broker answered. */
        private final BiConsumer<Lane, List<Pending>> send;
        private final Deque<Pending> waiting = new ArrayDeque<>();
        private boolean busy;

        Lane(int maxBatchBytes, BiConsumer<Lane, List<Pending>> send) {
            this.maxBatchBytes = maxBatchBytes;
            this.send = send;
        }

        /** Queues a message; sends it now when nothing is in flight, else with the next batch. */
        CompletableFuture<Position> offer(Message message, int size) {
            Pending pending = new Pending(message, size, new CompletableFuture<>());
            List<Pending> batch = null;
            synchronized (this) {
                waiting.add(pending);
                if (!busy) {
                    busy = true;
                    batch = take();
                }
            }
            if (batch != null) {
                send.accept(this, batch);
            }
            return pending.result();
        }

        /** The request in flight completed: send what waited meanwhile, if anything. */
        void done() {
            List<Pending> next;
            synchronized (this) {
                next = waiting.isEmpty() ? null : take();
                busy = next != null;
            }
            if (next != null) {
                send.accept(this, next);
            }
        }

        private List<Pending> take() {
            List<Pending> batch = new ArrayList<>(Math.min(waiting.size(), MAX_BATCH));
            int bytes = 0;
            while (!waiting.isEmpty() && batch.size() < MAX_BATCH) {
                Pending p = waiting.peek();
                if (!batch.isEmpty() && bytes + p.size() > maxBatchBytes) {
                    break;
                }
                bytes += p.size();
                batch.add(waiting.poll());
            }
            return batch;
        }
    }

    private BusUnavailableException unavailable(Throwable cause) {
        return new BusUnavailableException("RocketMQ did not accept the message: " + describe(cause), cause);
    }

    private static String describe(Throwable t) {
        String m = t instanceof MQClientException mq && mq.getErrorMessage() != null ? mq.getErrorMessage()
                : t.getMessage();
        if (m == null) {
            return t.getClass().getSimpleName();
        }
        int see = m.indexOf("\nSee ");
        return (see > 0 ? m.substring(0, see) : m).lines().findFirst().orElse(m);
    }

    @Override
    public boolean isReady() {
        return ready && !closed;
    }

    @Override
    public String unavailableReason() {
        return ready ? null : unavailableReason;
    }

    /** Send requests made to the broker since start; fewer than messages when lanes batch. */
    public long publishRequests() {
        return publishRequests.sum();
    }

    /** Messages the node failed to deliver since start. */
    public long deliveryFailures() {
        return deliveryFailures.sum();
    }

    @Override
    public String name() {
        return "rocketmq";
    }

    @Override
    public boolean isShared() {
        return true;
    }

    @Override
    public LogReader logReader() {
        return logReader;
    }

    private void stopConsumer() {
        QueueFollower c = consumer;
        consumer = null;
        if (c != null) {
            c.close();
        }
    }

    @Override
    public void close() {
        closed = true;
        ready = false;
        background.shutdownNow();
        logReader.close();
        stopConsumer();
        producer.shutdown();
    }
}
