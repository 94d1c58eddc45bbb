package io.roomcast.metrics;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.LongSupplier;

/**
 * The {@code /metrics} page, rendered at most once per interval and off the event loops: scrapers in between
 * get the last rendering, and a crowd of scrapes costs one. Rendering walks every meter (and every session,
 * for the scrape-time sums), which an event loop should not do once per request.
 *
 * <p>Thread-safe.
 */
public final class ScrapeCache implements AutoCloseable {
    private final NodeMetrics metrics;
    private final long minIntervalNanos;
    private final LongSupplier nanos;
    private final ExecutorService renderer = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "roomcast-metrics");
        t.setDaemon(true);
        return t;
    });
    private CompletableFuture<byte[]> latest;
    private long renderedAt;

    public ScrapeCache(NodeMetrics metrics, Duration minInterval, LongSupplier nanos) {
        this.metrics = metrics;
        this.minIntervalNanos = minInterval.toNanos();
        this.nanos = nanos;
    }

    /** The page: the last rendering while it is fresh (or still being made), else a new one. */
    public synchronized CompletableFuture<byte[]> page() {
        long now = nanos.getAsLong();
        boolean usable = latest != null && !latest.isCompletedExceptionally()
                && (!latest.isDone() || now - renderedAt < minIntervalNanos);
        if (!usable) {
            renderedAt = now;
            latest = CompletableFuture.supplyAsync(() -> metrics.scrape().getBytes(StandardCharsets.UTF_8), renderer);
        }
        return latest;
    }

    @Override
    public void close() {
        renderer.shutdownNow();
    }
}
