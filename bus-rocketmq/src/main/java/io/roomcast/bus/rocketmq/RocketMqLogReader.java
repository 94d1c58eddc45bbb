package io.roomcast.bus.rocketmq;

import io.roomcast.bus.Envelope;
import io.roomcast.bus.LogReader;
import io.roomcast.bus.Position;
import io.roomcast.bus.Published;
import org.apache.rocketmq.client.consumer.DefaultLitePullConsumer;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.common.message.MessageQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.apache.rocketmq.client.MQAdmin;

/**
 * Reads a queue of the bus topic back from the broker with a {@link DefaultLitePullConsumer}: {@code assign},
 * {@code seek}, then {@code poll} until the range is covered. One consumer and one thread per node: reads are
 * queued, never run on an event loop, and the recovery layer above merges concurrent requests so that many
 * resuming clients share one scan.
 *
 * <p>Thread-safe (all work runs on the reader's own thread).
 */
final class RocketMqLogReader implements LogReader, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RocketMqLogReader.class);
    private static final long POLL_TIMEOUT_MS = 1000;

    private final RocketMqBusConfig config;
    private final MQAdmin admin;
    private final Supplier<Queues> queues;
    private final Supplier<String> epoch;
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "roomcast-log-reader");
        t.setDaemon(true);
        return t;
    });
    private DefaultLitePullConsumer consumer;

    RocketMqLogReader(RocketMqBusConfig config, MQAdmin admin, Supplier<Queues> queues,
                      Supplier<String> epoch) {
        this.config = config;
        this.admin = admin;
        this.queues = queues;
        this.epoch = epoch;
    }

    @Override
    public CompletableFuture<List<Published>> read(int partition, long from, long to) {
        return CompletableFuture.supplyAsync(() -> readNow(partition, from, to), thread);
    }

    private List<Published> readNow(int partition, long from, long to) {
        Queues q = queues.get();
        if (q == null) {
            throw new IllegalStateException("the bus is not connected");
        }
        try {
            DefaultLitePullConsumer c = consumer();
            MessageQueue mq = q.get(partition);
            c.assign(List.of(mq));
            long min = admin.minOffset(mq);
            long start = Math.max(from, min);
            List<Published> out = new ArrayList<>();
            if (start >= to) {
                return out;
            }
            c.seek(mq, start);
            String e = epoch.get();
            long next = start;
            int emptyPolls = 0;
            while (next < to && emptyPolls < 3) {
                List<MessageExt> batch = c.poll(POLL_TIMEOUT_MS);
                if (batch.isEmpty()) {
                    emptyPolls++;
                    continue;
                }
                for (MessageExt m : batch) {
                    if (m.getQueueOffset() < start || m.getQueueOffset() >= to) {
                        continue;
                    }
                    out.add(new Published(new Position(e, partition, m.getQueueOffset()),
                            EnvelopeCodec.decode(m.getBody()), m.getStoreTimestamp()));
                    next = m.getQueueOffset() + 1;
                }
            }
            return out;
        } catch (Exception ex) {
            log.warn("reading queue {} [{}, {}) from the broker failed: {}", partition, from, to, ex.toString());
            throw new IllegalStateException("the broker log could not be read: " + ex.getMessage(), ex);
        }
    }

    private DefaultLitePullConsumer consumer() throws Exception {
        if (consumer == null) {
            DefaultLitePullConsumer c = new DefaultLitePullConsumer("roomcast-recovery-" + config.instanceName());
            c.setNamesrvAddr(config.namesrv());
            c.setInstanceName(config.instanceName() + "-recovery");
            c.setAutoCommit(false);
            c.setPullBatchSize(256);
            c.start();
            consumer = c;
        }
        return consumer;
    }

    @Override
    public void close() {
        thread.execute(() -> {
            if (consumer != null) {
                consumer.shutdown();
            }
        });
        thread.shutdown();
    }
}
