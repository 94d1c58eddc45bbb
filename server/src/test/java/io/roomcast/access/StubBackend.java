package io.roomcast.access;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.roomcast.metrics.NodeMetrics;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real HTTP backend for the proxies' tests, on 127.0.0.1 and a free port. It records every call, then answers
 * what the test set ({@link #answer}), or holds the calls until {@link #release()} ({@link #holding()}).
 *
 * <p>Thread-safe: the server's threads answer while the test thread sets and reads.
 */
final class StubBackend implements AutoCloseable {
    /** What one call sent. */
    record Call(Headers headers, JsonNode body) {
    }

    /** How long a held call waits for {@link #release()} at most, so that no thread outlives a failed test long. */
    private static final long MAX_HOLD_SECONDS = 30;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    // Several threads, so that held calls do not hold the others back.
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final BlockingQueue<Call> calls = new LinkedBlockingQueue<>();
    private final AtomicInteger received = new AtomicInteger();
    private volatile int status = 200;
    private volatile byte[] answer = bytes("{\"allow\": true, \"user\": \"alice\"}");
    private volatile CountDownLatch hold = new CountDownLatch(0);

    private StubBackend() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/decide", this::handle);
        server.setExecutor(threads);
        server.start();
    }

    /** A backend that allows, as both proxies read it, until told otherwise. */
    static StubBackend start() {
        try {
            return new StubBackend();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A URL where nothing listens: the port was free a moment ago and is closed again. */
    static URI down() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return URI.create("http://127.0.0.1:" + s.getLocalPort() + "/decide");
        }
    }

    URI uri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/decide");
    }

    StubBackend answer(int status, String body) {
        this.status = status;
        this.answer = bytes(body);
        return this;
    }

    StubBackend answer(String json) {
        return answer(200, json);
    }

    /** Calls from now on wait for {@link #release()} before they are answered. */
    StubBackend holding() {
        hold = new CountDownLatch(1);
        return this;
    }

    void release() {
        hold.countDown();
    }

    /** Calls that arrived, answered or not. */
    int received() {
        return received.get();
    }

    /** The oldest call not yet taken, waiting for it a few seconds at most. */
    Call nextCall() throws InterruptedException {
        Call call = calls.poll(5, TimeUnit.SECONDS);
        assertThat(call).as("a call to the backend within 5 s").isNotNull();
        return call;
    }

    private void handle(HttpExchange exchange) throws IOException {
        CountDownLatch held = hold;
        try (InputStream in = exchange.getRequestBody()) {
            calls.add(new Call(exchange.getRequestHeaders(), JSON.readTree(in)));
            received.incrementAndGet();
            if (!held.await(MAX_HOLD_SECONDS, TimeUnit.SECONDS)) {
                return;
            }
            byte[] body = answer;
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // The proxy gave up on this call (its timeout) and closed the connection: nothing to answer.
        } finally {
            exchange.close();
        }
    }

    @Override
    public void close() {
        release();
        server.stop(0);
        threads.shutdownNow();
    }

    /** The calls {@code metrics} counted for {@code proxy} with {@code outcome}. */
    static double counted(NodeMetrics metrics, String proxy, String outcome) {
        Counter c = metrics.registry().find("roomcast.proxy.requests").tags("proxy", proxy, "outcome", outcome)
                .counter();
        return c == null ? 0 : c.count();
    }

    /** The calls {@code metrics} timed for {@code proxy}: those that were sent. */
    static long timed(NodeMetrics metrics, String proxy) {
        Timer t = metrics.registry().find("roomcast.proxy.duration").tags("proxy", proxy).timer();
        return t == null ? 0 : t.count();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
