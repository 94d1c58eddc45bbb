package io.roomcast.access;

import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import io.roomcast.metrics.NodeMetrics;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static io.roomcast.access.StubBackend.counted;
import static io.roomcast.access.StubBackend.timed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The plumbing both proxies share, run through each: the deadline, a backend that is down or errs or answers too
 * much, the bound on calls in flight, and asking from an event loop. Every way it goes wrong fails closed, and is
 * counted by outcome.
 */
class AccessBackendTest {
    /** The two proxies, each asked the way the node will. */
    enum Proxy {
        JOIN("join") {
            @Override
            Asker open(URI uri, Duration timeout, int maxConcurrent, NodeMetrics metrics) {
                JoinProxy proxy = new JoinProxy(uri, timeout, maxConcurrent, null, metrics);
                return () -> proxy.ask("alice", "lobby", "node-1", Map.of());
            }
        },
        CONNECT("connect") {
            @Override
            Asker open(URI uri, Duration timeout, int maxConcurrent, NodeMetrics metrics) {
                ConnectProxy proxy = new ConnectProxy(uri, timeout, maxConcurrent, null, List.of("cookie"), metrics);
                return () -> proxy.ask("node-1", Map.of("Cookie", "sid=1"));
            }
        };

        final String label;

        Proxy(String label) {
            this.label = label;
        }

        abstract Asker open(URI uri, Duration timeout, int maxConcurrent, NodeMetrics metrics);
    }

    @FunctionalInterface
    interface Asker {
        CompletableFuture<? extends AccessDecision> ask();
    }

    private static final Duration LONG = Duration.ofSeconds(10);

    private final StubBackend backend = StubBackend.start();
    private final NodeMetrics metrics = new NodeMetrics("test-node", "test");

    @AfterEach
    void stop() {
        backend.close();
    }

    private static AccessDecision done(CompletableFuture<? extends AccessDecision> f) throws Exception {
        return f.get(15, TimeUnit.SECONDS);
    }

    private static void assertUnavailable(AccessDecision d, String why) {
        assertThat(d.allowed()).isFalse();
        assertThat(d.code()).isEqualTo(AccessDecision.BACKEND_UNAVAILABLE);
        assertThat(d.reason()).contains(why);
    }

    @ParameterizedTest
    @EnumSource(Proxy.class)
    void aBackendThatAnswersAllows(Proxy proxy) throws Exception {
        AccessDecision d = done(proxy.open(backend.uri(), LONG, 4, metrics).ask());

        assertThat(d.allowed()).isTrue();
        assertThat(counted(metrics, proxy.label, "allowed")).isEqualTo(1);
        assertThat(timed(metrics, proxy.label)).isEqualTo(1);
    }

    @ParameterizedTest
    @EnumSource(Proxy.class)
    void aBackendThatNeverAnswersTimesOutAndFailsClosed(Proxy proxy) throws Exception {
        backend.holding();
        Duration timeout = Duration.ofMillis(300);
        long start = System.nanoTime();

        AccessDecision d = done(proxy.open(backend.uri(), timeout, 4, metrics).ask());

        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertUnavailable(d, "the " + proxy.label + " proxy did not answer within 300 ms");
        assertThat(tookMillis).isBetween(timeout.toMillis() - 10, timeout.toMillis() + 1500);
        assertThat(backend.received()).isEqualTo(1);
        assertThat(counted(metrics, proxy.label, "timeout")).isEqualTo(1);
        assertThat(timed(metrics, proxy.label)).isEqualTo(1);
    }

    @ParameterizedTest
    @EnumSource(Proxy.class)
    void aBackendThatIsDownFailsClosedWithoutWaitingForTheTimeout(Proxy proxy) throws Exception {
        long start = System.nanoTime();

        AccessDecision d = done(proxy.open(StubBackend.down(), LONG, 4, metrics).ask());

        assertUnavailable(d, "the " + proxy.label + " proxy could not be reached");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(LONG);
        assertThat(counted(metrics, proxy.label, "failed")).isEqualTo(1);
    }

    @ParameterizedTest
    @EnumSource(Proxy.class)
    void anErrorStatusFailsClosedWhateverTheBodySays(Proxy proxy) throws Exception {
        backend.answer(503, "{\"allow\": true, \"user\": \"alice\"}");

        AccessDecision d = done(proxy.open(backend.uri(), LONG, 4, metrics).ask());

        assertUnavailable(d, "the " + proxy.label + " proxy answered HTTP 503");
        assertThat(counted(metrics, proxy.label, "failed")).isEqualTo(1);
    }

    @ParameterizedTest
    @EnumSource(Proxy.class)
    void aRedirectIsNotFollowed(Proxy proxy) throws Exception {
        backend.answer(302, "");

        assertUnavailable(done(proxy.open(backend.uri(), LONG, 4, metrics).ask()), "answered HTTP 302");
    }

    @ParameterizedTest
    @EnumSource(Proxy.class)
    void anAnswerPastTheSizeLimitIsNotReadAndFailsClosed(Proxy proxy) throws Exception {
        String padding = "x".repeat(AccessBackend.MAX_ANSWER_BYTES);
        backend.answer("{\"allow\": true, \"user\": \"alice\", \"padding\": \"" + padding + "\"}");

        AccessDecision d = done(proxy.open(backend.uri(), LONG, 4, metrics).ask());

        assertUnavailable(d, "the " + proxy.label + " proxy's answer is larger than 65536 bytes");
        assertThat(counted(metrics, proxy.label, "failed")).isEqualTo(1);
    }

    @ParameterizedTest
    @EnumSource(Proxy.class)
    void pastTheCallsInFlightACallIsRefusedAtOnceWhileTheOthersWait(Proxy proxy) throws Exception {
        backend.holding();
        Asker asker = proxy.open(backend.uri(), LONG, 2, metrics);
        CompletableFuture<? extends AccessDecision> first = asker.ask();
        CompletableFuture<? extends AccessDecision> second = asker.ask();
        await().atMost(Duration.ofSeconds(5)).until(() -> backend.received() == 2);

        AccessDecision third = asker.ask().get(1, TimeUnit.SECONDS);

        assertUnavailable(third, "the " + proxy.label + " proxy has 2 calls in flight, as many as allowed");
        assertThat(first).isNotDone();
        assertThat(second).isNotDone();
        assertThat(backend.received()).as("the refused call was never sent").isEqualTo(2);
        assertThat(counted(metrics, proxy.label, "overloaded")).isEqualTo(1);

        backend.release();
        assertThat(done(first).allowed()).isTrue();
        assertThat(done(second).allowed()).isTrue();
        assertThat(done(asker.ask()).allowed()).as("the places are free again").isTrue();
        assertThat(counted(metrics, proxy.label, "allowed")).isEqualTo(3);
        assertThat(timed(metrics, proxy.label)).as("only the calls sent are timed").isEqualTo(3);
    }

    @ParameterizedTest
    @EnumSource(Proxy.class)
    void askingFromAnEventLoopNeverBlocksItAndTheAnswerArrivesOffIt(Proxy proxy) throws Exception {
        backend.holding();
        Asker asker = proxy.open(backend.uri(), LONG, 4, metrics);
        EventLoop loop = new DefaultEventLoop();
        try {
            AtomicInteger ticks = new AtomicInteger();
            loop.scheduleAtFixedRate(ticks::incrementAndGet, 0, 10, TimeUnit.MILLISECONDS);
            AtomicReference<Thread> completedOn = new AtomicReference<>();
            AtomicBoolean completedInLoop = new AtomicBoolean(true);

            // The backend holds every call until released, so a call that waited for it could not return here.
            CompletableFuture<? extends AccessDecision> answer = loop.submit(() -> {
                CompletableFuture<? extends AccessDecision> f = asker.ask();
                f.whenComplete((d, failure) -> {
                    completedInLoop.set(loop.inEventLoop());
                    completedOn.set(Thread.currentThread());
                });
                return f;
            }).get(1, TimeUnit.SECONDS);

            await().atMost(Duration.ofSeconds(5)).until(() -> backend.received() == 1);
            int before = ticks.get();
            await().atMost(Duration.ofSeconds(5)).until(() -> ticks.get() >= before + 10);
            assertThat(answer).as("the loop ran its tasks while the call was pending").isNotDone();

            backend.release();
            // Polled, not waited on with get(): a thread blocked in get() may run the future's actions itself.
            await().atMost(Duration.ofSeconds(5)).until(() -> completedOn.get() != null);
            assertThat(answer.getNow(null).allowed()).isTrue();
            assertThat(completedInLoop).isFalse();
            assertThat(completedOn.get().getName()).startsWith("roomcast-" + proxy.label + "-proxy-");
        } finally {
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void theMetersAreNamedForPrometheus() throws Exception {
        done(Proxy.JOIN.open(backend.uri(), LONG, 4, metrics).ask());

        String scrape = metrics.scrape();
        assertThat(scrape)
                .containsPattern("roomcast_proxy_requests_total\\{[^}]*outcome=\"allowed\"[^}]*proxy=\"join\"")
                .containsPattern("roomcast_proxy_duration_seconds_count\\{[^}]*proxy=\"join\"[^}]*} 1");
    }

    @Test
    void settingsThatCannotWorkAreRefusedAtStartNamingTheValue() {
        URI ok = backend.uri();
        assertThatThrownBy(() -> new JoinProxy(URI.create("ftp://example.com/x"), LONG, 4, null, metrics))
                .hasMessage("the join proxy's URL must be an absolute http:// or https:// URL,"
                        + " not 'ftp://example.com/x'");
        assertThatThrownBy(() -> new JoinProxy(URI.create("/decide"), LONG, 4, null, metrics))
                .hasMessageContaining("absolute http://");
        assertThatThrownBy(() -> new JoinProxy(ok, Duration.ZERO, 4, null, metrics))
                .hasMessage("the join proxy's timeout must be positive, not PT0S");
        assertThatThrownBy(() -> new ConnectProxy(ok, LONG, 0, null, List.of(), metrics))
                .hasMessage("the connect proxy's calls in flight must be at least 1, not 0");
        assertThatThrownBy(() -> new JoinProxy(ok, LONG, 4, "line\nbreak", metrics))
                .hasMessageContaining("the proxy secret cannot be sent as an Authorization header");
    }
}
