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
 * <p>Shared reads: while a read of a partition is in flight, a resume that needs the same partition from the
 * same offset or later waits for that read instead of starting its own, so a crowd of clients resuming
 * at once (after a node dies) costs one scan per partition.
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
     */
    public boolean needsLog(Stream stream, Position since) {
        if (reader == null || since == null) {
            return false;
        }
        HistoryWindow.Bounds b = window.bounds(stream);
        return b != null && since.epoch().equals(b.epoch()) && since.partition() == b.partition()
                && since.offset() < b.floor() - 1 && since.offset() <= b.head();
    }

    /** Resumes from the window and the log; never fails: a failure is {@code recovered=false}. */
    public CompletableFuture<Replay> since(Stream stream, Position since) {
        return deep(stream, since, 0).exceptionally(failure -> {
            log.warn("deep recovery of {} from {} failed: {}", stream, since, failure.toString());
            return notRecovered(stream);
        });
    }

    private CompletableFuture<Replay> deep(Stream stream, Position since, int attempt) {
        HistoryWindow.Bounds b = window.bounds(stream);
        if (b == null || attempt > 2) {
            log.info("resume of {} from {}: the window kept moving past the log reads; not recovered", stream, since);
            return CompletableFuture.completedFuture(notRecovered(stream));
        }
        long from = since.offset() + 1;
        // Read up to the window's head, not just its floor: the window may move on while the log is read.
        long to = b.head() + 1;
        if (from >= b.floor()) {
            return CompletableFuture.completedFuture(window.since(stream, since));
        }
        if (to - from > maxMessages) {
            log.debug("resume of {} from {} needs {} messages; the bound is {}", stream, since, to - from, maxMessages);
            return CompletableFuture.completedFuture(notRecovered(stream));
        }
        return shared(b.partition(), from, to).thenCompose(read -> {
            List<Published> missed = new ArrayList<>();
            long expected = from;
            for (Published m : read) {
                if (m.offset() < from) {
                    continue;
                }
                if (m.offset() != expected) {
                    log.info("resume of {} from {}: the log has no offset {}; not recovered", stream, since, expected);
                    return CompletableFuture.completedFuture(notRecovered(stream));
                }
                if (expected == from && m.timestampMillis() < clock.getAsLong() - maxAgeMillis) {
                    return CompletableFuture.completedFuture(notRecovered(stream)); // older than the bound
                }
                expected++;
                if (m.stream().equals(stream)) {
                    missed.add(m);
                }
            }
            long readUpTo = expected - 1;
            log.debug("resume of {} from {}: read offsets {}..{} of the log", stream, since, from, readUpTo);
            Position joint = new Position(since.epoch(), since.partition(), readUpTo);
            Replay rest = window.since(stream, joint);
            if (!rest.recovered()) {
                // The window moved on while the log was read: read again from where this read ended.
                return deep(stream, joint, attempt + 1).thenApply(more -> more.recovered()
                        ? new Replay(true, more.head(), concat(missed, more.messages())) : more);
            }
            return CompletableFuture.completedFuture(new Replay(true, rest.head(), concat(missed, rest.messages())));
        });
    }

    /** A read of {@code [from, to)}, shared with one already in flight that starts at or before {@code from}. */
    private CompletableFuture<List<Published>> shared(int partition, long from, long to) {
        Read current = inFlight.get(partition);
        if (current != null && current.from() <= from && !current.messages().isDone()) {
            return current.messages();
        }
        Read read = new Read(from, to, reader.read(partition, from, to));
        inFlight.put(partition, read);
        read.messages().whenComplete((r, e) -> inFlight.remove(partition, read));
        return read.messages();
    }

    private Replay notRecovered(Stream stream) {
        return new Replay(false, window.head(stream), List.of());
    }

    private static List<Published> concat(List<Published> a, List<Published> b) {
        List<Published> all = new ArrayList<>(a.size() + b.size());
        all.addAll(a);
        all.addAll(b);
        return all;
    }
}
