package io.roomcast.history;

import io.roomcast.bus.Position;
import io.roomcast.bus.Published;
import io.roomcast.bus.Stream;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * The most recent messages of every partition, bounded by count (of client messages) and by age.
 *
 * <p>Each partition keeps a contiguous run of offsets, {@code floor..head}: everything the node saw from
 * {@code floor} on and hasn't evicted yet. A resume from position P is complete exactly when P lies in the
 * same epoch and partition and {@code floor - 1 <= P.offset <= head}; anything else is answered with
 * {@code recovered=false}, never with a silent gap.
 *
 * <p>Thread-safe: each partition has its own lock; appends come from bus threads, reads from event loops.
 */
public final class HistoryWindow {
    public static final int DEFAULT_MAX_MESSAGES = 1000;
    public static final Duration DEFAULT_MAX_AGE = Duration.ofMinutes(5);

    private final int maxMessages;
    private final long maxAgeMillis;
    private final LongSupplier clock;
    /** Replaced as a whole by {@link #reset}; until then the window knows no epoch and recovers nothing. */
    private volatile State state = new State("none", new long[0]);

    public HistoryWindow(int maxMessagesPerPartition, Duration maxAge, LongSupplier clockMillis) {
        this.maxMessages = maxMessagesPerPartition;
        this.maxAgeMillis = maxAge.toMillis();
        this.clock = clockMillis;
    }

    /**
     * Starts a new window for {@code epoch}: the bus is about to deliver partition {@code i} from
     * {@code nextOffsets[i]}. Everything held before is dropped: it belongs to another log, or can't be
     * vouched for across the reconnect.
     */
    public void reset(String epoch, long[] nextOffsets) {
        state = new State(epoch, nextOffsets);
    }


    /** Records a message the bus delivered. Messages of one partition arrive in offset order. */
    public void append(Published message) {
        State st = state;
        if (!message.position().epoch().equals(st.epoch) || message.partition() >= st.partitions.length) {
            return; // from before a reset: not part of this window
        }
        Partition p = st.partitions[message.partition()];
        synchronized (p) {
            if (message.offset() <= p.head) {
                return; // already seen (a bus may redeliver after a reconnect)
            }
            if (message.offset() != p.head + 1) {
                // A gap means the node did not see some messages: nothing before this one can be vouched for.
                p.messages.clear();
                p.counted = 0;
                p.floor = message.offset();
            }
            p.messages.addLast(message);
            if (counts(message)) {
                p.counted++;
            }
            p.head = message.offset();
            evict(p);
        }
    }

    /** The stream's current position: the last offset this node has seen in the stream's partition. */
    public Position head(Stream stream) {
        Bounds b = bounds(stream);
        return b == null ? null : new Position(b.epoch(), b.partition(), b.head());
    }

    /** What {@code stream} published after {@code since}; see the class comment for when that is complete. */
    public Replay since(Stream stream, Position since) {
        State st = state;
        if (st.partitions.length == 0) {
            return new Replay(false, null, List.of());
        }
        int partition = stream.partition(st.partitions.length);
        Partition p = st.partitions[partition];
        synchronized (p) {
            evict(p);
            Position head = new Position(st.epoch, partition, p.head);
            if (since == null || !since.epoch().equals(st.epoch) || since.partition() != partition
                    || since.offset() > p.head || since.offset() < p.floor - 1) {
                return new Replay(false, head, List.of());
            }
            List<Published> missed = new ArrayList<>();
            for (Published m : p.messages) {
                if (m.offset() > since.offset() && m.stream().equals(stream)) {
                    missed.add(m);
                }
            }
            return new Replay(true, head, missed);
        }
    }

    /**
     * What the window vouches for in {@code stream}'s partition: every offset in {@code [floor, head]}.
     *
     * @return null before the bus is ready
     */
    public Bounds bounds(Stream stream) {
        State st = state;
        if (st.partitions.length == 0) {
            return null;
        }
        int partition = stream.partition(st.partitions.length);
        Partition p = st.partitions[partition];
        synchronized (p) {
            evict(p);
            return new Bounds(st.epoch, partition, p.floor, p.head);
        }
    }

    /** The window of one partition: offsets {@code floor..head} are all held. */
    public record Bounds(String epoch, int partition, long floor, long head) {
    }

    /** The current epoch, or "none" before the bus is ready. */
    public String epoch() {
        return state.epoch;
    }

    private void evict(Partition p) {
        long oldest = clock.getAsLong() - maxAgeMillis;
        while (!p.messages.isEmpty()
                && (p.counted > maxMessages || p.messages.peekFirst().timestampMillis() < oldest)) {
            Published gone = p.messages.removeFirst();
            if (counts(gone)) {
                p.counted--;
            }
            p.floor = gone.offset() + 1;
        }
    }

    /**
     * Whether a message counts toward the size bound. The nodes' control messages (heartbeats) share
     * partitions with clients' streams but are never resumed; counting them would let a few seconds of
     * heartbeats push clients' messages out of a small window. They still leave with age.
     */
    private static boolean counts(Published message) {
        return message.stream().kind() != Stream.Kind.CONTROL;
    }

    private static final class Partition {
        final ArrayDeque<Published> messages = new ArrayDeque<>();
        /** The last offset seen (next - 1 before any message). */
        long head;
        /** Messages held that count toward the size bound. */
        int counted;
        /** The lowest offset still vouched for: every offset from here to head is in {@code messages}. */
        long floor;

        Partition(long next) {
            head = next - 1;
            floor = next;
        }
    }

    private static final class State {
        final String epoch;
        final Partition[] partitions;

        State(String epoch, long[] nextOffsets) {
            this.epoch = epoch;
            this.partitions = new Partition[nextOffsets.length];
            for (int i = 0; i < nextOffsets.length; i++) {
                partitions[i] = new Partition(nextOffsets[i]);
            }
        }
    }
}
