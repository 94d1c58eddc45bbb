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
 * The most recent messages of every partition, bounded by count and by age.
 *
 * <p>Each partition keeps a contiguous run of offsets, {@code floor..head}: everything the node saw from
 * {@code floor} on and hasn't evicted yet. A resume from position P is complete exactly when P lies in the
 * same epoch and partition and {@code floor - 1 <= P.offset <= head}; anything else is answered with
 * {@code recovered=false}, never with a silent gap.
 *
 * <p>Thread-safe: each partition has its own lock; appends come from the bus thread, reads from event loops.
 */
public final class HistoryWindow {
    public static final int DEFAULT_MAX_MESSAGES = 1000;
    public static final Duration DEFAULT_MAX_AGE = Duration.ofMinutes(5);

    private final String epoch;
    private final int maxMessages;
    private final long maxAgeMillis;
    private final LongSupplier clock;
    private final Partition[] partitions;

    public HistoryWindow(String epoch, int partitions, int maxMessagesPerPartition, Duration maxAge,
                         LongSupplier clockMillis) {
        this.epoch = epoch;
        this.maxMessages = maxMessagesPerPartition;
        this.maxAgeMillis = maxAge.toMillis();
        this.clock = clockMillis;
        this.partitions = new Partition[partitions];
        for (int i = 0; i < partitions; i++) {
            this.partitions[i] = new Partition();
        }
    }

    /** Records a message the bus delivered. Messages of one partition arrive in offset order. */
    public void append(Published message) {
        Partition p = partitions[message.partition()];
        synchronized (p) {
            if (p.head >= 0 && message.offset() != p.head + 1) {
                // A gap means the node did not see some messages (it started late or the bus skipped):
                // nothing before this message can be vouched for any more.
                p.messages.clear();
                p.floor = message.offset();
            } else if (p.head < 0 && p.messages.isEmpty()) {
                p.floor = message.offset();
            }
            p.messages.addLast(message);
            p.head = message.offset();
            evict(p);
        }
    }

    /** The stream's current position: the last offset this node has seen in the stream's partition. */
    public Position head(Stream stream) {
        int partition = stream.partition(partitions.length);
        Partition p = partitions[partition];
        synchronized (p) {
            return new Position(epoch, partition, p.head);
        }
    }

    /** What {@code stream} published after {@code since}; see the class comment for when that is complete. */
    public Replay since(Stream stream, Position since) {
        int partition = stream.partition(partitions.length);
        Partition p = partitions[partition];
        synchronized (p) {
            evict(p);
            Position head = new Position(epoch, partition, p.head);
            if (since == null || !since.epoch().equals(epoch) || since.partition() != partition
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

    public String epoch() {
        return epoch;
    }

    private void evict(Partition p) {
        long oldest = clock.getAsLong() - maxAgeMillis;
        while (!p.messages.isEmpty()
                && (p.messages.size() > maxMessages || p.messages.peekFirst().timestampMillis() < oldest)) {
            p.floor = p.messages.removeFirst().offset() + 1;
        }
    }

    private static final class Partition {
        final ArrayDeque<Published> messages = new ArrayDeque<>();
        /** The last offset seen, or -1 before any message. */
        long head = -1;
        /** The lowest offset still vouched for: every offset from here to head is in {@code messages}. */
        long floor = 0;
    }
}
