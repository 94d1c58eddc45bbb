package io.roomcast.bench.load;

import java.io.PrintStream;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * A one-line progress display on the terminal for long runs: what is happening, a count and its rate,
 * refreshed twice a second on one line (a new line when the output is not a terminal).
 */
public final class Progress implements AutoCloseable {
    private static final ScheduledExecutorService TICKER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "bench-progress");
        t.setDaemon(true);
        return t;
    });
    private static final boolean TTY = System.console() != null;

    private final PrintStream out;
    private final String label;
    private final long total;
    private final LongAdder count = new LongAdder();
    private final long started = System.nanoTime();
    private final Supplier<String> extra;
    private final java.util.concurrent.ScheduledFuture<?> task;

    public Progress(PrintStream out, String label, long total, Supplier<String> extra) {
        this.out = out;
        this.label = label;
        this.total = total;
        this.extra = extra;
        this.task = TICKER.scheduleAtFixedRate(this::print, 500, TTY ? 500 : 5000, TimeUnit.MILLISECONDS);
    }

    public static Progress quiet() {
        return new Progress(new PrintStream(java.io.OutputStream.nullOutputStream()), "", 0, () -> "");
    }

    public void add(long n) {
        count.add(n);
    }

    public long count() {
        return count.sum();
    }

    private void print() {
        double seconds = (System.nanoTime() - started) / 1e9;
        long n = count.sum();
        String line = String.format("  %-28s %,10d%s  %,9.0f/s  %5.1f s  %s", label, n,
                total > 0 ? String.format(" / %,d", total) : "", n / Math.max(seconds, 1e-3), seconds, extra.get());
        out.print(TTY ? "\r" + line + "   " : line + System.lineSeparator());
        out.flush();
    }

    @Override
    public void close() {
        task.cancel(false);
        if (TTY) {
            print();
            out.println();
        }
    }
}
