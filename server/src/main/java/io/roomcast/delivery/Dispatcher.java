package io.roomcast.delivery;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;
import io.roomcast.bus.BusListener;
import io.roomcast.bus.Published;
import io.roomcast.history.HistoryWindow;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import io.roomcast.bus.Stream;

/**
 * The node's sink for everything the bus delivers: records it in the history window, encodes it once, and
 * hands it to every event loop's {@link LoopFanout}.
 *
 * <p>History is appended before the message reaches any loop. A subscription that registers and then reads
 * history is therefore sure to see each message at least once, from history or live, and its offset check
 * drops the second copy.
 *
 * <p>Thread-safe. {@link #onMessage} never throws: a bus may drop a message whose listener failed.
 */
public final class Dispatcher implements BusListener {
    private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);

    private final HistoryWindow history;
    private final ByteBufAllocator alloc;
    private final ConcurrentHashMap<EventLoop, LoopFanout> fanouts = new ConcurrentHashMap<>();
    private volatile LoopFanout[] all = new LoopFanout[0];
    private final LongAdder failures = new LongAdder();
    private volatile Consumer<Published> control = p -> { };

    public Dispatcher(HistoryWindow history, ByteBufAllocator alloc) {
        this.history = history;
        this.alloc = alloc;
    }

    /** The fan-out of {@code loop}, created on first use. */
    public LoopFanout fanout(EventLoop loop) {
        LoopFanout existing = fanouts.get(loop);
        return existing != null ? existing : fanouts.computeIfAbsent(loop, this::register);
    }

    private LoopFanout register(EventLoop loop) {
        LoopFanout fanout = new LoopFanout(loop);
        synchronized (this) {
            LoopFanout[] next = java.util.Arrays.copyOf(all, all.length + 1);
            next[all.length] = fanout;
            all = next;
        }
        return fanout;
    }

    /** Messages written to clients by every loop's fan-out (for metrics). */
    public double delivered() {
        long n = 0;
        for (LoopFanout f : all) {
            n += f.delivered();
        }
        return n;
    }

    @Override
    public void onReady(String epoch, long[] nextOffsets) {
        history.reset(epoch, nextOffsets);
        log.info("bus ready: epoch {}, {} partitions", epoch, nextOffsets.length);
    }

    /** Where control-stream messages go (the cluster); they never reach clients. */
    public void onControl(Consumer<Published> control) {
        this.control = control;
    }

    @Override
    public void onMessage(Published message) {
        try {
            history.append(message); // control messages too: they keep the partition's offsets contiguous
            if (message.stream().kind() == Stream.Kind.CONTROL) {
                control.accept(message);
            } else {
                fanOut(EncodedMessage.encode(alloc, message));
            }
        } catch (RuntimeException | Error e) {
            failures.increment();
            log.error("could not dispatch {}; it is in history but not delivered live", message.position(), e);
        }
    }

    /**
     * Delivers an event made up on this node to its own subscribers only (see
     * {@link EncodedMessage#isLocal()}); it is not recorded in history.
     */
    public void deliverLocal(Published event) {
        fanOut(EncodedMessage.encode(alloc, event, true));
    }

    private void fanOut(EncodedMessage encoded) {
        LoopFanout[] targets = all;
        if (targets.length == 0) {
            encoded.release();
            return;
        }
        if (targets.length > 1) {
            encoded.retain(targets.length - 1);
        }
        for (LoopFanout fanout : targets) {
            fanout.offer(encoded);
        }
    }

    /** Messages this node failed to dispatch since start. */
    public long failures() {
        return failures.sum();
    }
}
