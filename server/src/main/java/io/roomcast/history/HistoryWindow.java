package io.roomcast.history;

import io.roomcast.bus.Envelope;
import io.roomcast.bus.Position;
import io.roomcast.bus.Published;
import io.roomcast.bus.Stream;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The most recent messages of every partition, bounded by count (of client messages) per partition, by age,
 * and by bytes over all partitions together.
 *
 * <p>Each partition keeps a contiguous run of offsets, {@code floor..head}: everything the node saw from
 * {@code floor} on and hasn't evicted yet. A resume from position P is complete exactly when P lies in the
 * same epoch and partition and {@code floor - 1 <= P.offset <= head}; anything else is answered with
 * {@code recovered=false}, never with a silent gap.
 *
 * <p>The byte bound is what keeps a node's heap safe from clients that each stay within their own limits:
 * when the window holds more than {@code maxBytes}, the oldest messages of any partition go first. A message's
 * size is estimated from its body, headers and names (see {@link #sizeOf}); the estimate errs high.
 *
 * <p>Thread-safe: one lock for the whole window. Appends come from bus threads, reads from event loops; both
 * hold it for a few array operations.
 */
public final class HistoryWindow {
    public static final int DEFAULT_MAX_MESSAGES = 1000;
    public static final Duration DEFAULT_MAX_AGE = Duration.ofMinutes(5);
    /** What a held message costs besides its strings and body: the record, envelope, position and array slot. */
    static final int MESSAGE_OVERHEAD = 200;

    private final int maxMessages;
    private final long maxAgeMillis;
    private final long maxBytes;
    private final LongSupplier clock;
    /** Replaced as a whole by {@link #reset}; until then the window knows no epoch and recovers nothing. */
    private State state = new State("none", new long[0]);
    private long bytes;
    private long messages;

    public HistoryWindow(int maxMessagesPerPartition, Duration maxAge, long maxBytes, LongSupplier clockMillis) {
        this.maxMessages = maxMessagesPerPartition;
        this.maxAgeMillis = maxAge.toMillis();
        this.maxBytes = maxBytes;
        this.clock = clockMillis;
    }

    /**
     * Starts a new window for {@code epoch}: the bus is about to deliver partition {@code i} from
     * {@code nextOffsets[i]}. Everything held before is dropped: it belongs to another log, or can't be
     * vouched for across the reconnect.
     */
    public synchronized void reset(String epoch, long[] nextOffsets) {
        state = new State(epoch, nextOffsets);
        bytes = 0;
        messages = 0;
    }

    /** Records a message the bus delivered. Messages of one partition arrive in offset order. */
    public synchronized void append(Published message) {
        State st = state;
        if (!message.position().epoch().equals(st.epoch) || message.partition() >= st.partitions.length) {
            return; // from before a reset: not part of this window
        }
        Partition p = st.partitions[message.partition()];
        if (message.offset() <= p.head) {
            return; // already seen (a bus may redeliver after a reconnect)
        }
        if (message.offset() != p.head + 1) {
            // A gap means the node did not see some messages: nothing before this one can be vouched for.
            while (p.size > 0) {
                removeOldest(p);
            }
            p.floor = message.offset();
        }
        p.add(message, counts(message));
        bytes += sizeOf(message);
        messages++;
        evict(p);
        while (bytes > maxBytes && evictOldestOfAll(st)) {
            // each turn drops the oldest message held in any partition
        }
    }

    /** The stream's current position: the last offset this node has seen in the stream's partition. */
    public Position head(Stream stream) {
        Bounds b = bounds(stream);
        return b == null ? null : new Position(b.epoch(), b.partition(), b.head());
    }

    /**
     * What the window vouches for in {@code stream}'s partition: every offset in {@code [floor, head]}.
     *
     * @return null before the bus is ready
     */
    public synchronized Bounds bounds(Stream stream) {
        State st = state;
        if (st.partitions.length == 0) {
            return null;
        }
        int partition = stream.partition(st.partitions.length);
        Partition p = st.partitions[partition];
        evict(p);
        return new Bounds(st.epoch, partition, p.floor, p.head);
    }

    /**
     * The next messages of {@code stream} after offset {@code after} of its partition in {@code epoch}, for a
     * replay that reads the window a part at a time. Scans at most {@code maxScanned} offsets.
     *
     * @return the part; {@link Chunk#gap()} when the window no longer holds what follows {@code after} (it was
     *     evicted, or the epoch changed), so the replay can't be completed
     */
    public synchronized Chunk read(Stream stream, String epoch, long after, int maxScanned) {
        State st = state;
        if (st.partitions.length == 0 || !st.epoch.equals(epoch)) {
            return Chunk.GAP;
        }
        Partition p = st.partitions[stream.partition(st.partitions.length)];
        evict(p);
        if (after < p.floor - 1 || after > p.head) {
            return Chunk.GAP;
        }
        long to = Math.min(p.head, after + maxScanned);
        List<Published> found = new ArrayList<>();
        for (long offset = after + 1; offset <= to; offset++) {
            Published m = p.get(offset);
            if (m.stream().equals(stream)) {
                found.add(m);
            }
        }
        return new Chunk(found, to, p.head, false);
    }

    /**
     * One part of a replay read from the window.
     *
     * @param messages  the stream's messages in the scanned range, in order
     * @param scannedTo the last offset scanned: the next read starts after it
     * @param head      the partition's head when it was read; the replay has caught up when {@code scannedTo == head}
     * @param gap       the range asked for is no longer held
     */
    public record Chunk(List<Published> messages, long scannedTo, long head, boolean gap) {
        static final Chunk GAP = new Chunk(List.of(), -1, -1, true);

        public boolean caughtUp() {
            return !gap && scannedTo == head;
        }
    }

    /** The window of one partition: offsets {@code [floor, head]} are all held. */
    public record Bounds(String epoch, int partition, long floor, long head) {
        /** Whether a resume from {@code since} can be answered from the window alone. */
        public boolean covers(Position since) {
            return since != null && since.epoch().equals(epoch) && since.partition() == partition
                    && since.offset() >= floor - 1 && since.offset() <= head;
        }
    }

    /** The current epoch, or "none" before the bus is ready. */
    public synchronized String epoch() {
        return state.epoch;
    }

    /** The estimated bytes held now, over all partitions. */
    public synchronized long bytes() {
        return bytes;
    }

    /** The messages held now, over all partitions. */
    public synchronized long messages() {
        return messages;
    }

    /** The bound on {@link #bytes()}. */
    public long maxBytes() {
        return maxBytes;
    }

    private void evict(Partition p) {
        long oldest = clock.getAsLong() - maxAgeMillis;
        while (p.size > 0 && (p.counted > maxMessages || p.first().timestampMillis() < oldest)) {
            removeOldest(p);
        }
    }

    /** @return false when nothing is held */
    private boolean evictOldestOfAll(State st) {
        Partition oldest = null;
        for (Partition p : st.partitions) {
            if (p.size > 0 && (oldest == null || p.first().timestampMillis() < oldest.first().timestampMillis())) {
                oldest = p;
            }
        }
        if (oldest == null) {
            return false;
        }
        removeOldest(oldest);
        return true;
    }

    private void removeOldest(Partition p) {
        Published gone = p.removeFirst(counts(p.first()));
        bytes -= sizeOf(gone);
        messages--;
    }

    /**
     * Whether a message counts toward the count bound. The nodes' control messages (heartbeats) share
     * partitions with clients' streams but are never resumed; counting them would let a few seconds of
     * heartbeats push clients' messages out of a small window. Joins and leaves don't count either: one client
     * subscribing and unsubscribing in a loop would otherwise flush every other stream of its partition out of
     * the window. Both still leave with age and bytes.
     */
    private static boolean counts(Published message) {
        String event = message.envelope().event();
        return message.stream().kind() != Stream.Kind.CONTROL && !Envelope.JOIN.equals(event)
                && !Envelope.LEAVE.equals(event);
    }

    /** The heap a held message is estimated to take: its body, its strings (two bytes a char), and overhead. */
    static long sizeOf(Published m) {
        var e = m.envelope();
        long chars = length(e.event()) + length(e.from()) + length(e.room()) + length(e.user())
                + length(e.contentType()) + e.stream().key().length() + m.position().epoch().length();
        for (Map.Entry<String, String> h : e.headers().entrySet()) {
            chars += h.getKey().length() + h.getValue().length() + 16;
        }
        return MESSAGE_OVERHEAD + e.body().length + 2 * chars;
    }

    private static int length(String s) {
        return s == null ? 0 : s.length();
    }

    /** A partition's held messages: a ring indexed by offset, {@code floor..floor + size - 1}. */
    private static final class Partition {
        private Published[] ring = new Published[16];
        private int start;
        int size;
        /** Messages held that count toward the count bound. */
        int counted;
        /** The lowest offset still vouched for: every offset from here to head is held. */
        long floor;
        /** The last offset seen (next - 1 before any message). */
        long head;

        Partition(long next) {
            head = next - 1;
            floor = next;
        }

        Published first() {
            return ring[start];
        }

        Published get(long offset) {
            return ring[(int) ((start + (offset - floor)) % ring.length)];
        }

        void add(Published m, boolean counts) {
            if (size == ring.length) {
                resize(ring.length * 2);
            }
            ring[(start + size) % ring.length] = m;
            size++;
            head = m.offset();
            if (counts) {
                counted++;
            }
        }

        Published removeFirst(boolean counts) {
            Published gone = ring[start];
            ring[start] = null;
            start = (start + 1) % ring.length;
            size--;
            floor = gone.offset() + 1;
            if (counts) {
                counted--;
            }
            if (ring.length > 64 && size < ring.length / 4) {
                resize(ring.length / 2); // a burst's ring is not kept once the partition is quiet again
            }
            return gone;
        }

        private void resize(int capacity) {
            Published[] next = new Published[capacity];
            for (int i = 0; i < size; i++) {
                next[i] = ring[(start + i) % ring.length];
            }
            ring = next;
            start = 0;
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
