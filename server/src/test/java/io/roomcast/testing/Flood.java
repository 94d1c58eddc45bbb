package io.roomcast.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

/**
 * An attacker's writer: one thread that writes chunk after chunk to a socket that nobody reads from, and
 * records what the node did about it: whether a write stalled (the node stopped reading: throttled) and
 * for how long, and whether a write failed (the node closed the socket: cut). Bounded in chunks and time.
 *
 * <p>Thread-safe for the reading side; the writer is its own thread.
 */
public final class Flood implements AutoCloseable {
    private final String name;
    private final Thread thread;
    private final long startedNanos = System.nanoTime();
    private volatile long inWriteSinceNanos;
    private volatile long longestStallNanos;
    private volatile long bytes;
    private volatile int chunks;
    private volatile IOException failure;
    private volatile long failedAtNanos;
    private volatile long finishedAtNanos;
    private volatile boolean stopping;

    private Flood(String name, OutputStream out, IntFunction<byte[]> chunk, int maxChunks, Duration maxDuration) {
        this.name = name;
        long deadline = startedNanos + maxDuration.toNanos();
        this.thread = new Thread(() -> run(out, chunk, maxChunks, deadline), "flood-" + name);
        this.thread.setDaemon(true);
    }

    /**
     * Starts writing {@code chunk.apply(i)} for {@code i = 0..maxChunks-1}, until a write fails, {@link #close()},
     * or {@code maxDuration} passes (a write blocked at that moment stays blocked until {@link #close()}).
     */
    public static Flood start(String name, OutputStream out, IntFunction<byte[]> chunk, int maxChunks,
                              Duration maxDuration) {
        Flood f = new Flood(name, out, chunk, maxChunks, maxDuration);
        f.thread.start();
        return f;
    }

    private void run(OutputStream out, IntFunction<byte[]> chunk, int maxChunks, long deadline) {
        try {
            for (int i = 0; i < maxChunks && !stopping && System.nanoTime() < deadline; i++) {
                byte[] b = chunk.apply(i);
                long t0 = System.nanoTime();
                inWriteSinceNanos = t0;
                out.write(b);
                out.flush();
                inWriteSinceNanos = 0;
                longestStallNanos = Math.max(longestStallNanos, System.nanoTime() - t0);
                bytes += b.length;
                chunks = i + 1;
            }
        } catch (IOException e) {
            if (!stopping) {
                failure = e;
                failedAtNanos = System.nanoTime();
            }
        } finally {
            long since = inWriteSinceNanos;
            if (since != 0) {
                longestStallNanos = Math.max(longestStallNanos, System.nanoTime() - since);
            }
            inWriteSinceNanos = 0;
            finishedAtNanos = System.nanoTime();
        }
    }

    /** The longest time one write was blocked so far, counting a write still blocked now. */
    public Duration longestStall() {
        long since = inWriteSinceNanos;
        long current = since == 0 ? 0 : System.nanoTime() - since;
        return Duration.ofNanos(Math.max(longestStallNanos, current));
    }

    /** Whether some write was blocked for at least {@code threshold}: the node stopped reading this client. */
    public boolean throttled(Duration threshold) {
        return longestStall().compareTo(threshold) >= 0;
    }

    /** Whether a write failed: the node closed (reset) the connection. */
    public boolean cut() {
        return failure != null;
    }

    /** From the first write to the failed one, or null if not cut. */
    public Duration cutAfter() {
        return failure == null ? null : Duration.ofNanos(failedAtNanos - startedNanos);
    }

    public IOException failure() {
        return failure;
    }

    /** Whether the writer ended by itself (all chunks written, the deadline, or a failure). */
    public boolean finished() {
        return finishedAtNanos != 0;
    }

    public long bytes() {
        return bytes;
    }

    public int chunks() {
        return chunks;
    }

    public Duration elapsed() {
        long end = finishedAtNanos != 0 ? finishedAtNanos : System.nanoTime();
        return Duration.ofNanos(end - startedNanos);
    }

    /** One line of figures for the test's output. */
    public String describe() {
        return name + ": " + chunks + " chunks, " + bytes / 1024 + " KiB written in " + elapsed().toMillis()
                + " ms; longest blocked write " + longestStall().toMillis() + " ms; "
                + (cut() ? "cut after " + cutAfter().toMillis() + " ms (" + failure + ")" : "not cut");
    }

    /**
     * Stops writing. The caller closes the socket first (or after) to free a blocked write; this waits up to
     * 5 s for the thread.
     */
    @Override
    public void close() {
        stopping = true;
        try {
            thread.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Marks the flood as stopping, so that the failure of a write the caller is about to break is not a cut. */
    public void stopping() {
        stopping = true;
    }
}
