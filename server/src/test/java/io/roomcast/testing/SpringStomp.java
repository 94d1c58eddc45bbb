package io.roomcast.testing;

import org.springframework.messaging.converter.SimpleMessageConverter;
import org.springframework.messaging.simp.stomp.StompFrameHandler;
import org.springframework.messaging.simp.stomp.StompHeaders;
import org.springframework.messaging.simp.stomp.StompSession;
import org.springframework.messaging.simp.stomp.StompSessionHandlerAdapter;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;
import org.springframework.web.socket.WebSocketHttpHeaders;
import org.springframework.web.socket.client.standard.StandardWebSocketClient;
import org.springframework.web.socket.messaging.WebSocketStompClient;

import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A user connected with Spring's {@link WebSocketStompClient}: an independent, widely used STOMP client.
 * Every subscription collects its frames in a queue the test reads with a deadline.
 */
public final class SpringStomp implements AutoCloseable {
    public static final Duration WAIT = Duration.ofSeconds(10);

    /** One MESSAGE as the client received it. */
    public record Received(StompHeaders headers, String body) {
        public String header(String name) {
            return headers.getFirst(name);
        }

        public String event() {
            return header("event");
        }
    }

    private static final ThreadPoolTaskScheduler SCHEDULER = scheduler();

    private final StompSession session;
    private final Map<String, BlockingQueue<Received>> queues = new ConcurrentHashMap<>();
    private final Map<String, StompSession.Subscription> subscriptions = new ConcurrentHashMap<>();
    private final CompletableFuture<String> transportError = new CompletableFuture<>();
    private final BlockingQueue<String> errors = new LinkedBlockingQueue<>();

    private SpringStomp(StompSession session) {
        this.session = session;
    }

    private static ThreadPoolTaskScheduler scheduler() {
        ThreadPoolTaskScheduler s = new ThreadPoolTaskScheduler();
        s.setPoolSize(2);
        s.setDaemon(true);
        s.setThreadNamePrefix("stomp-test-");
        s.initialize();
        return s;
    }

    public static SpringStomp connect(TestNode node, String user) {
        return connect(node, user, new long[] {0, 0});
    }

    public static SpringStomp connect(TestNode node, String user, long[] heartBeat) {
        StompHeaders connect = new StompHeaders();
        connect.setLogin(user);
        return connect(node.wsUrl(), connect, heartBeat);
    }

    public static SpringStomp connect(String url, StompHeaders connectHeaders, long[] heartBeat) {
        WebSocketStompClient client = new WebSocketStompClient(new StandardWebSocketClient());
        client.setMessageConverter(new SimpleMessageConverter());
        client.setTaskScheduler(SCHEDULER);
        client.setDefaultHeartbeat(heartBeat);
        client.setReceiptTimeLimit(WAIT.toMillis());
        SpringStomp[] self = new SpringStomp[1];
        CompletableFuture<String> failure = new CompletableFuture<>();
        StompSessionHandlerAdapter handler = new StompSessionHandlerAdapter() {
            @Override
            public void handleTransportError(StompSession s, Throwable exception) {
                failure.complete(String.valueOf(exception));
                if (self[0] != null) {
                    self[0].transportError.complete(String.valueOf(exception));
                }
            }

            @Override
            public void handleFrame(StompHeaders headers, Object payload) {
                String message = headers.getFirst("message");
                if (self[0] != null) {
                    self[0].errors.add(message == null ? "" : message);
                }
                failure.complete("ERROR " + message);
            }
        };
        try {
            StompSession session = client.connectAsync(url, new WebSocketHttpHeaders(), connectHeaders, handler)
                    .get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            self[0] = new SpringStomp(session);
            return self[0];
        } catch (Exception e) {
            throw new IllegalStateException("connect failed: " + failure.getNow(e.toString()), e);
        }
    }

    public StompSession session() {
        return session;
    }

    /** Subscribes and waits for the receipt; returns the receipt's {@code position} header (may be null). */
    public String subscribe(String id, String destination) {
        return subscribe(id, destination, null);
    }

    public String subscribe(String id, String destination, String since) {
        StompHeaders h = new StompHeaders();
        h.setId(id);
        h.setDestination(destination);
        if (since != null) {
            h.set("since", since);
        }
        h.setReceipt("r-" + id);
        BlockingQueue<Received> queue = new LinkedBlockingQueue<>();
        queues.put(id, queue);
        CompletableFuture<String> position = new CompletableFuture<>();
        StompSession.Subscription sub = session.subscribe(h, new StompFrameHandler() {
            @Override
            public Type getPayloadType(StompHeaders headers) {
                return byte[].class;
            }

            @Override
            public void handleFrame(StompHeaders headers, Object payload) {
                queue.add(new Received(headers, payload == null ? "" : new String((byte[]) payload, StandardCharsets.UTF_8)));
            }
        });
        subscriptions.put(id, sub);
        sub.addReceiptTask(receipt -> position.complete(receipt.getFirst("position")));
        sub.addReceiptLostTask(() -> position.completeExceptionally(new AssertionError("receipt lost for " + id)));
        try {
            return position.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new AssertionError("no receipt for SUBSCRIBE " + destination, e);
        }
    }

    /**
     * Sends a SUBSCRIBE that the server is expected to refuse (the refusal comes on the errors queue, carrying
     * {@code receipt}, which may be null); nothing waits for a receipt.
     */
    public void subscribeExpectingRefusal(String id, String destination, String receipt) {
        StompHeaders h = new StompHeaders();
        h.setId(id);
        h.setDestination(destination);
        if (receipt != null) {
            h.setReceipt(receipt);
        }
        session.subscribe(h, new StompSessionHandlerAdapter() {
        });
    }

    public void unsubscribe(String id) {
        subscriptions.remove(id).unsubscribe();
    }

    /** Sends and waits for the receipt; returns its {@code position} header. */
    public String send(String destination, String body, String... headerPairs) {
        StompHeaders h = new StompHeaders();
        h.setDestination(destination);
        for (int i = 0; i + 1 < headerPairs.length; i += 2) {
            h.add(headerPairs[i], headerPairs[i + 1]);
        }
        h.setReceipt("s-" + System.nanoTime());
        CompletableFuture<String> position = new CompletableFuture<>();
        StompSession.Receiptable r = session.send(h, body.getBytes(StandardCharsets.UTF_8));
        r.addReceiptTask(receipt -> position.complete(String.valueOf(receipt.getFirst("position"))));
        r.addReceiptLostTask(() -> position.complete(null));
        try {
            return position.get(WAIT.toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** Sends without asking for a receipt. */
    public void sendNoReceipt(String destination, String body, String... headerPairs) {
        StompHeaders h = new StompHeaders();
        h.setDestination(destination);
        for (int i = 0; i + 1 < headerPairs.length; i += 2) {
            h.add(headerPairs[i], headerPairs[i + 1]);
        }
        session.send(h, body.getBytes(StandardCharsets.UTF_8));
    }

    /** The next frame on subscription {@code id}, waiting up to {@link #WAIT}. */
    public Received next(String id) {
        try {
            Received r = queues.get(id).poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            assertThat(r).as("a frame on subscription %s within %s", id, WAIT).isNotNull();
            return r;
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    /** The next frame on {@code id} whose event is {@code event}, skipping others. */
    public Received nextEvent(String id, String event) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            Received r = next(id);
            if (event.equals(r.event())) {
                return r;
            }
        }
        throw new AssertionError("no " + event + " on " + id);
    }

    /**
     * A fence on one subscription: the next frame on {@code id} is the marker {@code body}. Publish the marker
     * after whatever must not arrive, on the same stream or (on one node) any stream that reaches this
     * subscription: frames of one connection arrive in order, so an unwanted frame would have come first.
     */
    public Received assertNextIs(String id, String body) {
        Received r = next(id);
        assertThat(r.body()).as("the fence is the next frame on %s (%s)", id, r.headers()).isEqualTo(body);
        return r;
    }

    /**
     * A fence on another subscription of this connection: waits for the marker {@code fenceBody} on
     * {@code fenceId} (skipping other frames there), then asserts that nothing has arrived on any of
     * {@code quiet}. A frame for them written before the marker would already be in its queue, since frames of
     * one connection arrive in order.
     */
    public void awaitFenceThenNothingElse(String fenceId, String fenceBody, String... quiet) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        for (int skipped = 0; !fenceBody.equals(next(fenceId).body()); skipped++) {
            assertThat(skipped).as("frames on %s before the fence %s", fenceId, fenceBody).isLessThan(1000);
            assertThat(System.nanoTime()).as("the fence %s on %s within %s", fenceBody, fenceId, WAIT)
                    .isLessThan(deadline);
        }
        for (String id : quiet) {
            assertThat(queues.get(id)).as("nothing on %s before the fence on %s", id, fenceId).isEmpty();
        }
    }

    public BlockingQueue<Received> queue(String id) {
        return queues.get(id);
    }

    /** The transport error or ERROR frame that ended this session, waiting up to {@link #WAIT}. */
    public String awaitClosed() {
        try {
            return CompletableFuture.anyOf(transportError, CompletableFuture.supplyAsync(() -> {
                try {
                    return errors.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    return null;
                }
            })).get(WAIT.toMillis() + 1000, TimeUnit.MILLISECONDS).toString();
        } catch (Exception e) {
            throw new AssertionError("session was not closed", e);
        }
    }

    public boolean isConnected() {
        return session.isConnected();
    }

    @Override
    public void close() {
        if (session.isConnected()) {
            session.disconnect();
        }
    }
}
