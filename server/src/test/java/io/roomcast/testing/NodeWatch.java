package io.roomcast.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * Watches a {@link NodeProcess} while a test attacks it: polls {@code /health/ready} on a new connection
 * every {@code 250 ms} (each poll must be answered within 2 s), and scrapes {@code /metrics} every 500 ms,
 * keeping the samples of the series the test names and the process's resident memory.
 *
 * <p>Thread-safe; two daemon threads, both bounded by {@link #close()} and a maximum run time.
 */
public final class NodeWatch implements AutoCloseable {
    public static final Duration READY_TIMEOUT = Duration.ofSeconds(2);

    /** One readiness poll: when (since the watch started), the status (0 for no answer) and how long it took. */
    public record Poll(long atMillis, int status, long tookMillis, String detail) {
        public boolean ok() {
            return status == 200 && tookMillis <= READY_TIMEOUT.toMillis();
        }
    }

    /** One value of a watched series; NaN when the series was absent from that scrape. */
    public record Sample(long atMillis, double value) {
    }

    private final NodeProcess node;
    private final InetAddress local;
    private final long startedNanos = System.nanoTime();
    private final Map<String, ToDoubleFunction<String>> series = new LinkedHashMap<>();
    private final Map<String, List<Sample>> samples = new LinkedHashMap<>();
    private final List<Poll> polls = new ArrayList<>();
    private final List<Long> rssKb = new ArrayList<>();
    private volatile int scrapeFailures;
    private volatile String lastScrapeFailure;
    private volatile boolean stopped;
    private final List<Thread> threads = new ArrayList<>();

    private NodeWatch(NodeProcess node, InetAddress local) {
        this.node = node;
        this.local = local;
    }

    /** A watch from {@code local} (null: any source address); add series with {@link #track}, then {@link #start}. */
    public static NodeWatch of(NodeProcess node, InetAddress local) {
        return new NodeWatch(node, local);
    }

    /** Keeps {@code value(scrape text)} at every scrape under {@code name}. */
    public NodeWatch track(String name, ToDoubleFunction<String> value) {
        series.put(name, value);
        samples.put(name, new ArrayList<>());
        return this;
    }

    /** Starts polling; both threads stop by {@link #close()} or after {@code maxRun}. */
    public NodeWatch start(Duration maxRun) {
        long deadline = startedNanos + maxRun.toNanos();
        threads.add(daemon("watch-ready-" + node.id(), () -> {
            for (int i = 0; i < 100_000 && !stopped && System.nanoTime() < deadline; i++) {
                long t0 = System.nanoTime();
                Poll p;
                try {
                    RawHttp.Response r = RawHttp.once(node.port(), local, "GET", "/health/ready", null, READY_TIMEOUT);
                    p = new Poll(millisSinceStart(t0), r.status(), r.millis(), r.status() == 200 ? "" : r.body());
                } catch (IOException e) {
                    p = new Poll(millisSinceStart(t0), 0, (System.nanoTime() - t0) / 1_000_000, e.toString());
                }
                synchronized (this) {
                    polls.add(p);
                }
                pause(t0, 250);
            }
        }));
        threads.add(daemon("watch-metrics-" + node.id(), () -> {
            for (int i = 0; i < 100_000 && !stopped && System.nanoTime() < deadline; i++) {
                long t0 = System.nanoTime();
                long rss = rssKb();
                String text = null;
                try {
                    RawHttp.Response r = RawHttp.once(node.port(), local, "GET", "/metrics", null, Duration.ofSeconds(3));
                    if (r.status() == 200) {
                        text = r.body();
                    } else {
                        scrapeFailures++;
                        lastScrapeFailure = "status " + r.status();
                    }
                } catch (IOException e) {
                    scrapeFailures++;
                    lastScrapeFailure = e.toString();
                }
                synchronized (this) {
                    if (rss > 0) {
                        rssKb.add(rss);
                    }
                    if (text != null) {
                        for (var e : series.entrySet()) {
                            samples.get(e.getKey()).add(new Sample(millisSinceStart(t0), e.getValue().applyAsDouble(text)));
                        }
                    }
                }
                pause(t0, 500);
            }
        }));
        threads.forEach(Thread::start);
        return this;
    }

    private long millisSinceStart(long nanos) {
        return (nanos - startedNanos) / 1_000_000;
    }

    private void pause(long since, long periodMillis) {
        long left = periodMillis - (System.nanoTime() - since) / 1_000_000;
        if (left > 0 && !stopped) {
            try {
                Thread.sleep(left); // the polling period, not a wait for an outcome
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stopped = true;
            }
        }
    }

    private static Thread daemon(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** Milliseconds since the watch started. */
    public long now() {
        return millisSinceStart(System.nanoTime());
    }

    /** The node's resident set size in KiB, from {@code /proc}; 0 if unknown (or the process is gone). */
    public long rssKb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(node.process().pid()), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | RuntimeException e) {
            return 0;
        }
        return 0;
    }

    // ---- what was seen ----

    public synchronized List<Poll> polls() {
        return List.copyOf(polls);
    }

    /** The polls made between {@code fromMillis} and {@code toMillis} (watch time). */
    public synchronized List<Poll> polls(long fromMillis, long toMillis) {
        return polls.stream().filter(p -> p.atMillis() >= fromMillis && p.atMillis() <= toMillis).toList();
    }

    public synchronized List<Sample> samples(String name) {
        return List.copyOf(samples.get(name));
    }

    /** The samples of {@code name} taken from {@code fromMillis} on. */
    public synchronized List<Sample> samples(String name, long fromMillis) {
        return samples.get(name).stream().filter(s -> s.atMillis() >= fromMillis).toList();
    }

    /** The largest value of {@code name} from {@code fromMillis} on; NaN if never seen. */
    public synchronized double max(String name, long fromMillis) {
        return samples.get(name).stream().filter(s -> s.atMillis() >= fromMillis && !Double.isNaN(s.value()))
                .mapToDouble(Sample::value).max().orElse(Double.NaN);
    }

    /** The last value of {@code name} seen before {@code beforeMillis}; NaN if none. */
    public synchronized double lastBefore(String name, long beforeMillis) {
        double v = Double.NaN;
        for (Sample s : samples.get(name)) {
            if (s.atMillis() < beforeMillis && !Double.isNaN(s.value())) {
                v = s.value();
            }
        }
        return v;
    }

    /** How many scrapes have been taken (successful ones). */
    public synchronized int scrapes() {
        return samples.isEmpty() ? 0 : samples.values().iterator().next().size();
    }

    public int scrapeFailures() {
        return scrapeFailures;
    }

    public String lastScrapeFailure() {
        return lastScrapeFailure;
    }

    public synchronized long maxRssKb() {
        return rssKb.stream().mapToLong(Long::longValue).max().orElse(0);
    }

    public synchronized long firstRssKb() {
        return rssKb.isEmpty() ? 0 : rssKb.get(0);
    }

    /** Readiness in figures: polls, failed polls, slowest answer, and the first failures. */
    public String describeReadiness(long fromMillis, long toMillis) {
        List<Poll> ps = polls(fromMillis, toMillis);
        List<Poll> bad = ps.stream().filter(p -> !p.ok()).toList();
        long slowest = ps.stream().mapToLong(Poll::tookMillis).max().orElse(0);
        return ps.size() + " ready polls, " + bad.size() + " not 200 within 2 s, slowest " + slowest + " ms"
                + (bad.isEmpty() ? "" : "; first: " + bad.subList(0, Math.min(3, bad.size())));
    }

    @Override
    public void close() {
        stopped = true;
        for (Thread t : threads) {
            try {
                t.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    // ---- the Prometheus text ----

    /**
     * The sum of every sample of metric {@code name} whose labels contain all of {@code labelParts} (such as
     * {@code id="direct"}); NaN when there is none.
     */
    public static double metric(String text, String name, String... labelParts) {
        double sum = 0;
        boolean found = false;
        for (String line : text.split("\n")) {
            if (line.startsWith("#") || !line.startsWith(name)) {
                continue;
            }
            int brace = line.indexOf('{');
            int space = line.lastIndexOf(' ');
            if (space < 0) {
                continue;
            }
            String metricName = brace >= 0 && brace < space ? line.substring(0, brace) : line.substring(0, space);
            if (!metricName.equals(name)) {
                continue;
            }
            String labels = brace >= 0 && brace < space ? line.substring(brace, line.lastIndexOf('}') + 1) : "";
            boolean all = true;
            for (String part : labelParts) {
                all &= labels.contains(part);
            }
            if (!all) {
                continue;
            }
            try {
                sum += Double.parseDouble(line.substring(space + 1).trim());
                found = true;
            } catch (NumberFormatException ignored) {
                // not a sample line
            }
        }
        return found ? sum : Double.NaN;
    }
}
