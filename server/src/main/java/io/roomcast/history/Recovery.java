package io.roomcast.history;

import io.roomcast.bus.LogReader;
import io.roomcast.bus.Position;
import io.roomcast.bus.Published;
import io.roomcast.bus.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Answers a resume: from the in-memory window when it reaches back far enough, otherwise from the bus's log
 * ("deep recovery"), then the window for the rest.
 *
 * <p>Bounds: a deep replay that would scan more than {@code maxMessages} of the partition, or start with a
 * message older than {@code maxAge}, is answered {@code recovered=false}; so is a log that no longer holds the
 * oldest missed message. A partial replay is never passed off as complete.
 *
 * <p>Shared reads: while a read of a partition is in flight, a resume whose range it covers waits for that
 * read instead of starting its own, so a crowd of clients resuming from the same moment (after a node dies)
 * costs one scan per partition.
 *
 * <p>Thread-safe. Futures complete on the log reader's thread, never on an event loop's.
 */
public final class Recovery {
    public static final int DEFAULT_MAX_MESSAGES = 100_000;
    public static final Duration DEFAULT_MAX_AGE = Duration.ofHours(1);
    private static final Logger log = LoggerFactory.getLogger(Recovery.class);

    private final HistoryWindow window;
    private final LogReader reader;
    private final int maxMessages;
    private final long maxAgeMillis;
    private final LongSupplier clock;
    private final Map<Integer, Read> inFlight = new ConcurrentHashMap<>();

    /** One read of the log: offsets {@code [from, to)} of a partition. */
    private record Read(long from, long to, CompletableFuture<List<Published>> messages) {
    }

    /** @param reader the bus's log, or null when it keeps none */
    public Recovery(HistoryWindow window, LogReader reader, int maxMessages, Duration maxAge, LongSupplier clock) {
        this.window = window;
        this.reader = reader;
        this.maxMessages = maxMessages;
        this.maxAgeMillis = maxAge.toMillis();
        this.clock = clock;
    }

    /**
     * Whether resuming {@code stream} from {@code since} needs the log: the window doesn't reach back, but the
     * position is one this bus could still hold. Cheap; call on the event loop to choose the path.
     *
     * @return the window's bounds when the log is needed, else null
     */
    public HistoryWindow.Bounds needsLog(Stream stream, Position since) {
        if (reader == null || since == null) {
            return null;
        }
        HistoryWindow.Bounds b = window.bounds(stream);
        boolean needed = b != null && since.epoch().equals(b.epoch()) && since.partition() == b.partition()
                && since.offset() < b.floor() - 1 && since.offset() <= b.head();
        return needed ? b : null;
    }

    /**
     * The messages of {@code stream} after {@code since} and before {@code bounds.floor()}, read from the log.
     * A resume passes the window's head plus one as the floor, and holds what arrives live after the head, so
     * that nothing here races with the window moving on. Never fails: a failure, a hole in the log or a replay
     * past the bounds is {@code recovered=false}. The returned replay has no head.
     */
    public CompletableFuture<Replay> fromLog(Stream stream, Position since, HistoryWindow.Bounds bounds) {
        long from = since.offset() + 1;
        long to = bounds.floor();
        if (to - from > maxMessages) {
            log.info("resume of {} from {} needs {} messages from the log; the bound is {}; not recovered",
                    stream, since, to - from, maxMessages);
            return CompletableFuture.completedFuture(new Replay(false, null, List.of()));
        }
        return shared(bounds.partition(), from, to).thenApply(read -> check(stream, since, from, to, read))
                .exceptionally(failure -> {
                    log.warn("deep recovery of {} from {} failed: {}", stream, since, failure.toString());
                    return new Replay(false, null, List.of());
                });
    }

    private Replay check(Stream stream, Position since, long from, long to, List<Published> read) {
        List<Published> missed = new ArrayList<>();
        long expected = from;
        for (Published m : read) {
            if (m.offset() < from || m.offset() >= to) {
                continue;
            }
            if (m.offset() != expected) {
                break;
            }
            if (expected == from && m.timestampMillis() < clock.getAsLong() - maxAgeMillis) {
                log.info("resume of {} from {}: the first missed message is older than {} ms; not recovered",
                        stream, since, maxAgeMillis);
                return new Replay(false, null, List.of());
            }
            expected++;
            if (m.stream().equals(stream)) {
                missed.add(m);
            }
        }
        if (expected != to) {
            log.info("resume of {} from {}: the log holds offsets only up to {} of {}..{}; not recovered",
                    stream, since, expected - 1, from, to - 1);
            return new Replay(false, null, List.of());
        }
        return new Replay(true, null, missed);
    }

    /**
     * A read of {@code [from, to)}, shared with one already in flight that covers it (starts at or before
     * {@code from} and ends at or after {@code to}).
     */
    private CompletableFuture<List<Published>> shared(int partition, long from, long to) {
        Read current = inFlight.get(partition);
        if (current != null && current.from() <= from && current.to() >= to && !current.messages().isDone()) {
            return current.messages();
        }
        Read read = new Read(from, to, reader.read(partition, from, to));
        inFlight.put(partition, read);
        read.messages().whenComplete((r, e) -> inFlight.remove(partition, read));
        return read.messages();
    }

}
