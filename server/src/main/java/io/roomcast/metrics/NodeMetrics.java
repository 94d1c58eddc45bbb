package io.roomcast.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToDoubleFunction;

/**
 * Every meter of a node, named in one place. Prometheus sees them as {@code roomcast_*} plus the JVM's own.
 *
 * <p>The delivery path does not touch a meter per message: event loops count deliveries in their own adders
 * and this class reads them at scrape time ({@link #deliveries}).
 *
 * <p>Thread-safe.
 */
public final class NodeMetrics {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Counter stompIn;
    private final Counter httpIn;
    private final Map<String, Counter> dropped = new ConcurrentHashMap<>();
    private final Map<String, Counter> limits = new ConcurrentHashMap<>();
    private final EnumMap<Disconnect, Counter> disconnects = new EnumMap<>(Disconnect.class);
    private final Counter recovered;
    private final Counter notRecovered;
    private final Timer publishOk;
    private final Timer publishFailed;
    private final Timer consumeDelay;
    private final AtomicLong lastConsumeDelayMillis = new AtomicLong();

    public NodeMetrics(String node, String version) {
        registry.config().commonTags("node", node);
        Gauge.builder("roomcast.build.info", () -> 1).tag("version", version)
                .description("The node's version, as a label").register(registry);
        stompIn = Counter.builder("roomcast.messages.in").tag("source", "stomp")
                .description("Messages accepted for publishing: SENDs from clients, posts to the HTTP API")
                .register(registry);
        httpIn = Counter.builder("roomcast.messages.in").tag("source", "http")
                .description("Messages accepted for publishing: SENDs from clients, posts to the HTTP API")
                .register(registry);
        for (Disconnect d : Disconnect.values()) {
            disconnects.put(d, Counter.builder("roomcast.disconnects").tag("reason", d.label())
                    .description("WebSocket connections that ended, by reason").register(registry));
        }
        recovered = recoveries("recovered");
        notRecovered = recoveries("not-recovered");
        publishOk = publishTimer("ok");
        publishFailed = publishTimer("failed");
        consumeDelay = Timer.builder("roomcast.bus.consume.delay")
                .description("From the bus storing a message to this node dispatching it")
                .publishPercentiles(0.5, 0.99).distributionStatisticExpiry(Duration.ofMinutes(1))
                .register(registry);
        Gauge.builder("roomcast.bus.consume.lag", lastConsumeDelayMillis, a -> a.get() / 1000.0)
                .baseUnit("seconds").description("Age of the last message this node took from the bus when it took it")
                .register(registry);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
    }

    private Counter recoveries(String outcome) {
        return Counter.builder("roomcast.recoveries").tag("outcome", outcome)
                .description("Subscriptions that resumed with 'since', by outcome").register(registry);
    }

    private Timer publishTimer(String result) {
        return Timer.builder("roomcast.bus.publish").tag("result", result)
                .description("From handing a message to the bus to its position coming back")
                .publishPercentiles(0.5, 0.99).distributionStatisticExpiry(Duration.ofMinutes(1))
                .register(registry);
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** The Prometheus text exposition of every meter. */
    public String scrape() {
        return registry.scrape();
    }

    /** The content type of {@link #scrape()}. */
    public static String contentType() {
        return "text/plain; version=0.0.4; charset=utf-8";
    }

    // ---- what the node reports ----

    public void stompMessageIn() {
        stompIn.increment();
    }

    public void httpMessageIn() {
        httpIn.increment();
    }

    /**
     * A message the node did not pass on: a refused SEND (by its error code, such as {@code not-a-member} or
     * {@code rate-limited}), or a delivery it gave up ({@code slow-consumer}).
     */
    public void dropped(String reason) {
        dropped.computeIfAbsent(reason, r -> Counter.builder("roomcast.messages.dropped").tag("reason", r)
                .description("Messages not passed on, by reason").register(registry)).increment();
    }

    /** An abuse limit triggered; {@code limit} names the setting's subject, such as {@code send-rate}. */
    public void limitTriggered(String limit) {
        limits.computeIfAbsent(limit, l -> Counter.builder("roomcast.limits.triggered").tag("limit", l)
                .description("Abuse limits that refused a client, by limit").register(registry)).increment();
    }

    public void disconnected(Disconnect reason) {
        disconnects.get(reason).increment();
    }

    public void recovery(boolean wasRecovered) {
        (wasRecovered ? recovered : notRecovered).increment();
    }

    public void published(long nanos, boolean ok) {
        (ok ? publishOk : publishFailed).record(nanos, TimeUnit.NANOSECONDS);
    }

    /** The bus handed over a message it stored at {@code storedAtMillis}. */
    public void consumed(long storedAtMillis) {
        long delay = Math.max(0, System.currentTimeMillis() - storedAtMillis);
        lastConsumeDelayMillis.set(delay);
        consumeDelay.record(delay, TimeUnit.MILLISECONDS);
    }

    /** Messages written to clients, read from the event loops' own counts when scraped. */
    public <T> void deliveries(T source, ToDoubleFunction<T> count) {
        FunctionCounter.builder("roomcast.messages.out", source, count)
                .description("Messages written to clients (deliveries)").register(registry);
    }

    /** A gauge read when scraped. */
    public <T> void gauge(String name, String description, T source, ToDoubleFunction<T> value) {
        Gauge.builder(name, source, value).description(description).register(registry);
    }

    /**
     * The count of calls to an access backend ({@code proxy}: {@code join} or {@code connect}) that ended with
     * {@code outcome} ({@code allowed}, {@code refused}, {@code failed}, {@code timeout}, {@code overloaded}).
     */
    public Counter proxyRequests(String proxy, String outcome) {
        return Counter.builder("roomcast.proxy.requests").tag("proxy", proxy).tag("outcome", outcome)
                .description("Calls to the join and connect proxies, by how they ended").register(registry);
    }

    /** A timer of the calls sent to an access backend, until its answer or failure (calls refused unsent are not). */
    public Timer proxyDuration(String proxy) {
        return Timer.builder("roomcast.proxy.duration").tag("proxy", proxy)
                .description("How long the join or connect proxy took to answer or to fail (at most the timeout)")
                .publishPercentiles(0.5, 0.99).distributionStatisticExpiry(Duration.ofMinutes(1))
                .register(registry);
    }

    /** A timer of the delay between scheduling a task on an event loop and it running. */
    public Timer loopDelay(String loop) {
        return Timer.builder("roomcast.eventloop.delay").tag("loop", loop)
                .description("How late a task scheduled on the event loop runs: a busy or blocked loop shows here")
                .publishPercentiles(0.5, 0.99).distributionStatisticExpiry(Duration.ofMinutes(1))
                .register(registry);
    }
}
