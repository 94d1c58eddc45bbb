package io.roomcast.access;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.roomcast.metrics.NodeMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * An access backend: the HTTP endpoint behind {@code --join-proxy} or {@code --connect-proxy} that decides, and
 * the one way the node asks it. A call POSTs a JSON object and reads a JSON answer, within a deadline and a bound
 * on calls in flight, and fails closed: whatever goes wrong, the decision is "not allowed" with
 * {@link AccessDecision#BACKEND_UNAVAILABLE} and a reason that says what went wrong (without the backend's
 * address, since clients read it; the log has that). Each call is counted in {@code roomcast_proxy_requests_total}
 * by outcome, and each one sent is timed in {@code roomcast_proxy_duration_seconds}.
 *
 * <p>Thread-safe. {@link #ask} neither blocks nor throws, so an event loop may call it. Its future completes on
 * one of this backend's own daemon threads ({@code roomcast-<proxy>-proxy-N}), never on the caller's. As with any
 * {@link CompletableFuture}, though, a non-async action can also run on a thread that attaches it after completion
 * or waits in {@code get()}; an event loop handler comes back to its loop with
 * {@code thenAcceptAsync(action, ctx.executor())}.
 */
public final class AccessBackend {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);
    /** Calls in flight to one backend; past it a call is refused at once rather than queued behind a slow backend. */
    public static final int DEFAULT_MAX_CONCURRENT = 64;
    /** The largest answer read; the contract's answers are far smaller. */
    public static final int MAX_ANSWER_BYTES = 64 * 1024;

    /**
     * Strict where an answer could be read two ways: {@code {"allow":false,"allow":true}} and
     * {@code {"allow":false} {"allow":true}} are not answers.
     */
    static final ObjectMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    /** How a call ended: the {@code outcome} label. */
    enum Outcome {
        ALLOWED, REFUSED, FAILED, TIMEOUT, OVERLOADED;

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private static final Logger log = LoggerFactory.getLogger(AccessBackend.class);
    /** How deep a failure's causes are searched for the one that says what happened. */
    private static final int MAX_CAUSE_DEPTH = 8;

    private final String proxy;
    private final URI uri;
    private final Duration timeout;
    private final int maxConcurrent;
    private final String authorization;
    private final Semaphore inFlight;
    private final ExecutorService executor;
    private final HttpClient client;
    private final EnumMap<Outcome, Counter> calls = new EnumMap<>(Outcome.class);
    private final Timer duration;
    /** Whether the last call had an answer: the log says when that changes, not at every call of an outage. */
    private final AtomicBoolean answering = new AtomicBoolean(true);

    /**
     * @param proxy         {@code join} or {@code connect}: the {@code proxy} label, and the name in reasons and logs
     * @param secret        sent as {@code Authorization: Bearer <secret>} so that the backend knows the caller;
     *                      null or empty for none
     * @throws IllegalArgumentException naming the value that cannot work
     */
    AccessBackend(String proxy, URI uri, Duration timeout, int maxConcurrent, String secret, NodeMetrics metrics) {
        this.proxy = proxy;
        this.uri = checkUri(proxy, uri);
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("the " + proxy + " proxy's timeout must be positive, not " + timeout);
        }
        if (maxConcurrent < 1) {
            throw new IllegalArgumentException("the " + proxy + " proxy's calls in flight must be at least 1, not "
                    + maxConcurrent);
        }
        this.timeout = timeout;
        this.maxConcurrent = maxConcurrent;
        this.inFlight = new Semaphore(maxConcurrent);
        this.authorization = secret == null || secret.isEmpty() ? null : checkHeader(uri, "Bearer " + secret);
        // A cached pool, as the HTTP client's default: its threads are few, since the calls in flight are bounded.
        this.executor = Executors.newCachedThreadPool(daemonThreads("roomcast-" + proxy + "-proxy-"));
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .executor(executor)
                .build();
        for (Outcome o : Outcome.values()) {
            calls.put(o, metrics.proxyRequests(proxy, o.label()));
        }
        this.duration = metrics.proxyDuration(proxy);
    }

    /**
     * POSTs {@code request} as JSON and decides from the answer.
     *
     * @param request     the JSON object to send (maps, lists, strings: what Jackson writes)
     * @param read        the decision in a 2xx answer; throws {@link IllegalArgumentException} saying what is wrong
     *                    with it, which fails the call
     * @param unavailable the decision when there is no usable answer, from the reason
     * @return a future that always completes normally, within the timeout and a scheduling delay
     */
    <D extends AccessDecision> CompletableFuture<D> ask(Map<String, ?> request, Function<BackendAnswer, D> read,
                                                       Function<String, D> unavailable) {
        if (!inFlight.tryAcquire()) {
            return CompletableFuture.supplyAsync(() -> failed(Outcome.OVERLOADED, "the " + proxy + " proxy has "
                    + maxConcurrent + " calls in flight, as many as allowed: try again later", null, unavailable),
                    executor);
        }
        long start = System.nanoTime();
        CompletableFuture<HttpResponse<byte[]>> exchange;
        try {
            exchange = client.sendAsync(post(request), BoundedBody.handler(MAX_ANSWER_BYTES));
        } catch (RuntimeException | JsonProcessingException e) {
            exchange = CompletableFuture.failedFuture(e);
        }
        CompletableFuture<HttpResponse<byte[]>> sent = exchange;
        // The deadline is on a copy so that, when it passes, cancelling the exchange still reaches the client.
        return exchange.copy().orTimeout(timeout.toNanos(), TimeUnit.NANOSECONDS)
                .handleAsync((response, failure) -> {
                    inFlight.release();
                    duration.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
                    if (failure != null) {
                        sent.cancel(true);
                        return failed(failure, unavailable);
                    }
                    return answered(response, read, unavailable);
                }, executor);
    }

    private HttpRequest post(Map<String, ?> request) throws JsonProcessingException {
        HttpRequest.Builder post = HttpRequest.newBuilder(uri)
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(request)));
        if (authorization != null) {
            post.header("Authorization", authorization);
        }
        return post.build();
    }

    private <D extends AccessDecision> D answered(HttpResponse<byte[]> response, Function<BackendAnswer, D> read,
                                                  Function<String, D> unavailable) {
        if (response.statusCode() / 100 != 2) {
            return failed(Outcome.FAILED, "the " + proxy + " proxy answered HTTP " + response.statusCode(), null,
                    unavailable);
        }
        D decision;
        try {
            decision = read.apply(BackendAnswer.parse(response.body()));
        } catch (IllegalArgumentException e) {
            return failed(Outcome.FAILED, "the " + proxy + " proxy's answer breaks the contract: " + e.getMessage(),
                    null, unavailable);
        } catch (RuntimeException e) {
            // A bug in reading must still fail closed, and not leave the caller's future hanging.
            log.error("Reading the {} proxy's answer failed", proxy, e);
            return failed(Outcome.FAILED, "the " + proxy + " proxy's answer could not be read", e, unavailable);
        }
        calls.get(decision.allowed() ? Outcome.ALLOWED : Outcome.REFUSED).increment();
        if (answering.compareAndSet(false, true)) {
            log.info("The {} proxy at {} answers again", proxy, uri);
        }
        return decision;
    }

    private <D extends AccessDecision> D failed(Throwable failure, Function<String, D> unavailable) {
        if (causedBy(failure, TimeoutException.class) || causedBy(failure, HttpTimeoutException.class)) {
            return failed(Outcome.TIMEOUT, "the " + proxy + " proxy did not answer within " + timeout.toMillis()
                    + " ms", failure, unavailable);
        }
        String reason;
        if (causedBy(failure, BoundedBody.TooLarge.class)) {
            reason = "the " + proxy + " proxy's answer is larger than " + MAX_ANSWER_BYTES + " bytes";
        } else if (causedBy(failure, ConnectException.class)) {
            reason = "the " + proxy + " proxy could not be reached";
        } else if (causedBy(failure, IOException.class)) {
            reason = "the " + proxy + " proxy's connection failed before it answered";
        } else {
            log.error("Calling the {} proxy at {} failed", proxy, uri, failure);
            reason = "the call to the " + proxy + " proxy failed";
        }
        return failed(Outcome.FAILED, reason, failure, unavailable);
    }

    private <D extends AccessDecision> D failed(Outcome outcome, String reason, Throwable cause,
                                                Function<String, D> unavailable) {
        calls.get(outcome).increment();
        String detail = cause == null ? "" : " (" + cause + ")";
        if (answering.compareAndSet(true, false)) {
            log.warn("The {} proxy at {} gives no usable answer: {}{}. What it decides is refused until it answers"
                    + " again; roomcast_proxy_requests_total counts each call", proxy, uri, reason, detail);
        } else {
            log.debug("The {} proxy at {}: {}{}", proxy, uri, reason, detail);
        }
        return unavailable.apply(reason);
    }

    private static boolean causedBy(Throwable failure, Class<? extends Throwable> type) {
        Throwable t = failure;
        for (int depth = 0; t != null && depth < MAX_CAUSE_DEPTH; depth++, t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    private static URI checkUri(String proxy, URI uri) {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
            throw new IllegalArgumentException("the " + proxy + " proxy's URL must be an absolute http:// or"
                    + " https:// URL, not '" + uri + "'");
        }
        return uri;
    }

    private static String checkHeader(URI uri, String authorization) {
        try {
            HttpRequest.newBuilder(uri).header("Authorization", authorization);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the proxy secret cannot be sent as an Authorization header: use"
                    + " printable characters only");
        }
        return authorization;
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return task -> {
            Thread t = new Thread(task, prefix + n.incrementAndGet());
            // The calls are not worth keeping the process alive for: at shutdown they fail, closed.
            t.setDaemon(true);
            return t;
        };
    }
}
