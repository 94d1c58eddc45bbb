package io.roomcast.delivery;

import io.netty.channel.EventLoop;
import io.netty.util.internal.PlatformDependent;
import io.roomcast.failure.FatalErrors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * The subscribers of one event loop, indexed by stream, and the queue of messages waiting to be written to
 * them.
 *
 * <p>The index is touched only on its event loop, so it needs no locks. Messages arrive from bus threads
 * through a lock-free queue; one drain task writes everything that has queued up and then flushes each touched
 * socket once. Under load, many messages share one drain and one flush per socket.
 */
public final class LoopFanout {
    private static final Logger log = LoggerFactory.getLogger(LoopFanout.class);
    /** Messages per drain task before yielding the loop to I/O; the rest go in the next task. */
    static final int MAX_DRAIN_BATCH = 256;

    private final EventLoop loop;
    private final Map<String, List<Subscriber>> byStream = new HashMap<>();
    private final Queue<EncodedMessage> pending = PlatformDependent.newMpscQueue();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final List<Outbound> touched = new ArrayList<>();
    private final SharedFrames frames = new SharedFrames();
    private final Runnable drainTask = this::drain;
    /** Deliveries of the current drain, added to {@link #delivered} once per drain (not once per socket). */
    private long written;
    private final LongAdder delivered = new LongAdder();

    LoopFanout(EventLoop loop) {
        this.loop = loop;
    }

    public EventLoop loop() {
        return loop;
    }

    /** Adds a subscriber; call on this loop. */
    public void add(Subscriber subscription) {
        byStream.computeIfAbsent(subscription.stream().key(), k -> new ArrayList<>(4)).add(subscription);
    }

    /** Removes a subscriber; call on this loop. */
    public void remove(Subscriber subscription) {
        String key = subscription.stream().key();
        List<Subscriber> subs = byStream.get(key);
        if (subs != null && subs.remove(subscription) && subs.isEmpty()) {
            byStream.remove(key);
        }
    }

    /** Queues a message for this loop's subscribers; takes over one reference. Any thread. */
    void offer(EncodedMessage message) {
        if (loop.isShuttingDown()) {
            message.release(); // the node is stopping; its sockets are closing anyway
            return;
        }
        pending.offer(message);
        if (scheduled.compareAndSet(false, true)) {
            try {
                loop.execute(drainTask);
            } catch (RejectedExecutionException e) {
                discardPending();
            }
        }
    }

    private void discardPending() {
        EncodedMessage m;
        while ((m = pending.poll()) != null) {
            m.release();
        }
    }

    /** Messages this loop has written to its sessions (any thread). */
    public long delivered() {
        return delivered.sum();
    }

    private void drain() {
        scheduled.set(false);
        EncodedMessage message;
        for (int n = 0; n < MAX_DRAIN_BATCH && (message = pending.poll()) != null; n++) {
            try {
                deliver(message);
            } catch (RuntimeException | Error e) {
                FatalErrors.haltIfFatal(e);
                log.error("delivery of {} failed", message.message().position(), e);
            } finally {
                message.release();
            }
        }
        delivered.add(written);
        written = 0;
        for (Outbound out : touched) {
            out.flushDeliveries();
        }
        touched.clear();
        if (!pending.isEmpty() && scheduled.compareAndSet(false, true)) {
            loop.execute(drainTask);
        }
    }

    private void deliver(EncodedMessage message) {
        List<Subscriber> subs = byStream.get(message.message().stream().key());
        if (subs == null) {
            return;
        }
        frames.reset(message);
        try {
            for (int i = 0; i < subs.size(); i++) {
                Subscriber sub = subs.get(i);
                if (sub.deliver(message, frames)) {
                    written++;
                    if (sub.outbound().claimFlush()) {
                        touched.add(sub.outbound());
                    }
                }
            }
        } finally {
            frames.release();
        }
    }
}
