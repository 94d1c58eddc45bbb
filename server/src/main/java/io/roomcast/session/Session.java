package io.roomcast.session;

import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.roomcast.access.Capability;
import io.roomcast.auth.Principal;
import io.roomcast.bus.Stream;
import io.roomcast.delivery.LoopFanout;
import io.roomcast.delivery.Outbound;
import io.roomcast.metrics.Disconnect;
import io.roomcast.refusal.Refusal;
import io.roomcast.refusal.Refusal.Code;
import io.roomcast.stomp.StompCommand;
import io.roomcast.stomp.StompHeaders;

import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The state of one STOMP connection: who it is, what it subscribes to, and the {@link Outbound} its frames go
 * through.
 *
 * <p>Confined to the channel's event loop, except {@link #id()}, {@link #user()}, {@link #close},
 * {@link #restart} and {@link #pendingOutboundBytes()}, which any thread may call. Collections are created on
 * first use, so that an idle connection stays small.
 */
public final class Session {
    private static final String PREFIX = Long.toString(ThreadLocalRandom.current().nextLong(36L * 36 * 36 * 36), 36);
    private static final AtomicLong COUNTER = new AtomicLong();

    private final String id = PREFIX + Long.toString(COUNTER.incrementAndGet(), 36);
    private final Outbound out;
    private final LoopFanout fanout;
    private volatile String user;
    private Principal principal;
    private String version;
    private boolean connected;
    /** What this session may do in each room it has joined, decided at the join. */
    private Map<String, Set<Capability>> capabilities;
    private Map<String, Subscription> subscriptions;
    private Map<String, Integer> rooms;
    private Subscription errors;
    private long errorCount;

    Session(Outbound out, LoopFanout fanout) {
        this.out = out;
        this.fanout = fanout;
    }

    public String id() {
        return id;
    }

    /** The authenticated user, or null before CONNECT. */
    public String user() {
        return user;
    }

    Outbound out() {
        return out;
    }

    boolean isConnected() {
        return connected;
    }

    void connected(Principal principal, String version) {
        this.principal = principal;
        this.user = principal.user();
        this.version = version;
        this.connected = true;
    }

    /** Who the session speaks for, as its latest credentials say; null before CONNECT. */
    Principal principal() {
        return principal;
    }

    /** A refresh: the same user's newer credentials. */
    void refreshed(Principal newer) {
        this.principal = newer;
    }

    /** Records what the session may do in {@code room}, which it is joining. */
    void allow(String room, Set<Capability> can) {
        if (capabilities == null) {
            capabilities = new HashMap<>(4);
        }
        capabilities.put(room, can);
    }

    /** Whether the session may {@code what} in {@code room}: it joined the room with that capability. */
    boolean may(Capability what, String room) {
        Set<Capability> can = capabilities == null ? null : capabilities.get(room);
        return can != null && can.contains(what);
    }

    String version() {
        return version;
    }

    // ---- subscriptions ----

    Subscription subscription(String id) {
        return subscriptions == null ? null : subscriptions.get(id);
    }

    int subscriptionCount() {
        return subscriptions == null ? 0 : subscriptions.size();
    }

    Collection<Subscription> subscriptions() {
        return subscriptions == null ? List.of() : subscriptions.values();
    }

    /** Registers a subscription, and with the fan-out when it reads a stream. */
    Subscription subscribe(String subId, Destination destination) {
        if (subscriptions == null) {
            subscriptions = new LinkedHashMap<>(4);
        }
        Subscription sub = new Subscription(this, subId, destination,
                destination.kind() == Destination.Kind.USER ? Stream.user(user) : destination.stream());
        subscriptions.put(subId, sub);
        if (sub.stream() != null) {
            fanout.add(sub);
        } else if (errors == null) {
            errors = sub;
        }
        return sub;
    }

    /** Removes a subscription, and its replay if one is still running. */
    void unsubscribe(Subscription sub) {
        subscriptions.remove(sub.id());
        sub.end();
        if (sub.stream() != null) {
            fanout.remove(sub);
        } else if (errors == sub) {
            errors = subscriptions.values().stream()
                    .filter(s -> s.destination().kind() == Destination.Kind.ERRORS).findFirst().orElse(null);
        }
    }

    /** @return true when this is the session's first subscription to {@code room} */
    boolean enterRoom(String room) {
        if (rooms == null) {
            rooms = new HashMap<>(4);
        }
        return rooms.merge(room, 1, Integer::sum) == 1;
    }

    /** @return true when this was the session's last subscription to {@code room} */
    boolean exitRoom(String room) {
        if (rooms == null || !rooms.containsKey(room)) {
            return false;
        }
        boolean last = rooms.computeIfPresent(room, (r, n) -> n > 1 ? n - 1 : null) == null;
        if (last && capabilities != null) {
            capabilities.remove(room);
        }
        return last;
    }

    /**
     * The session's subscription that reads what {@code destination} would (the same stream, an alias
     * included, or the errors queue), or null.
     */
    Subscription subscriptionLike(Destination destination, Stream stream) {
        for (Subscription sub : subscriptions()) {
            boolean same = stream != null ? stream.equals(sub.stream())
                    : sub.destination().kind() == destination.kind();
            if (same) {
                return sub;
            }
        }
        return null;
    }

    public boolean inRoom(String room) {
        return rooms != null && rooms.containsKey(room);
    }

    /** Bytes written to this session's socket and not yet taken by the kernel (any thread; may be stale). */
    long pendingOutboundBytes() {
        return out.pending();
    }

    // ---- the server's own frames ----

    /**
     * Tells the client its request was refused, on {@code /user/queue/errors}; the connection stays open.
     * A client with no subscription to the errors queue still gets the MESSAGE, without a subscription header.
     */
    void refuse(Refusal r, String receipt) {
        refuse(r.code(), r.getMessage(), receipt);
    }

    void refuse(Code code, String message, String receipt) {
        StompHeaders h = new StompHeaders(8);
        h.addIfPresent("subscription", errors == null ? null : errors.id());
        h.add("destination", errors == null ? Destination.ERRORS_QUEUE : errors.destination().text());
        h.add("message-id", id + "-err-" + (++errorCount));
        h.add("event", "error");
        h.add("error", code.code());
        h.add("message", message);
        h.addIfPresent("receipt-id", receipt);
        h.add("content-type", "text/plain;charset=utf-8");
        out.send(StompCommand.MESSAGE, h, message.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Sends ERROR (STOMP 1.2: the server closes the connection after it) and closes. Any thread.
     *
     * @param code the ERROR's {@code error} header, as a refusal's; null for none
     */
    public void close(Disconnect reason, String message, Code code, String receipt, WebSocketCloseStatus status) {
        StompHeaders h = new StompHeaders(4).add("message", message).addIfPresent("receipt-id", receipt);
        h.addIfPresent("error", code == null ? null : code.code());
        h.add("content-type", "text/plain;charset=utf-8");
        out.close(reason, h, message, status, message);
    }

    /** Closes with WebSocket code 1012 (service restart): the client should reconnect, elsewhere. Any thread. */
    public void restart(String reason) {
        out.restart(reason);
    }

    @Override
    public String toString() {
        return "Session[" + id + " " + user + "]";
    }
}
