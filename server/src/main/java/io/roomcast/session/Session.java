package io.roomcast.session;

import io.roomcast.metrics.Disconnect;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.roomcast.bus.Envelope;
import io.roomcast.bus.Published;
import io.roomcast.delivery.EncodedMessage;
import io.roomcast.delivery.SharedFrames;
import io.roomcast.delivery.LoopFanout;
import io.roomcast.stomp.StompCommand;
import io.roomcast.stomp.StompEncoder;
import io.roomcast.stomp.StompHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import io.roomcast.bus.Stream;

/**
 * The state of one STOMP connection: who it is, what it subscribes to, and the socket it writes to.
 *
 * <p>Confined to the channel's event loop, except {@link #id()}, {@link #user()} and {@link #close}, which any
 * thread may call. Collections are created on first use, so that an idle connection stays small.
 */
public final class Session {
    private static final Logger log = LoggerFactory.getLogger(Session.class);
    private static final String PREFIX = Long.toString(ThreadLocalRandom.current().nextLong(36L * 36 * 36 * 36), 36);
    private static final AtomicLong COUNTER = new AtomicLong();
    /** Tails longer than this are shared by reference instead of copied next to the per-subscription headers. */
    private static final int COPY_THRESHOLD = 1024;

    private final String id = PREFIX + Long.toString(COUNTER.incrementAndGet(), 36);
    private final Channel channel;
    private final LoopFanout fanout;
    private volatile String user;
    private String version;
    private boolean connected;
    private boolean closing;
    private boolean flushPending;
    /** Why this node closed the connection; null while open or when the other side closed it. */
    private Disconnect closeReason;
    private Map<String, Subscription> subscriptions;
    private Map<String, Integer> rooms;
    private Subscription errors;
    private long errorCount;

    Session(Channel channel, LoopFanout fanout) {
        this.channel = channel;
        this.fanout = fanout;
    }

    /** Why this node closed the connection, or null (the client closed it, or it is open). */
    public Disconnect closeReason() {
        return closeReason;
    }

    public String id() {
        return id;
    }

    /** The authenticated user, or null before CONNECT. */
    public String user() {
        return user;
    }

    public Channel channel() {
        return channel;
    }

    boolean isConnected() {
        return connected;
    }

    void connected(String user, String version) {
        this.user = user;
        this.version = version;
        this.connected = true;
    }

    String version() {
        return version;
    }

    boolean isClosing() {
        return closing;
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

    /** Removes a subscription. */
    void unsubscribe(Subscription sub) {
        subscriptions.remove(sub.id());
        sub.endReplay().forEach(EncodedMessage::release);
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
        return rooms.computeIfPresent(room, (r, n) -> n > 1 ? n - 1 : null) == null;
    }

    /** Bytes written to this session's socket and not yet taken by the kernel (any thread; may be stale). */
    long pendingOutboundBytes() {
        var buffer = channel.unsafe().outboundBuffer();
        return buffer == null ? 0 : buffer.totalPendingWriteBytes();
    }

    public boolean inRoom(String room) {
        return rooms != null && rooms.containsKey(room);
    }

    // ---- writing ----

    /**
     * Writes a live bus message to one of this session's subscriptions, without flushing. Called by the
     * fan-out on this session's loop.
     *
     * @return true when it wrote the message (the caller flushes: see {@link #claimFlush})
     */
    public boolean deliver(Subscription sub, EncodedMessage message) {
        return deliver(sub, message, null);
    }

    /**
     * As {@link #deliver(Subscription, EncodedMessage)}, taking the frame from {@code frames} (shared with the
     * loop's other subscribers of the message) when given.
     */
    public boolean deliver(Subscription sub, EncodedMessage message, SharedFrames frames) {
        if (sub.isReplaying()) {
            if (!closing) {
                sub.hold(message);
            }
            return false;
        }
        Published p = message.message();
        if (closing || !(message.isLocal() || accepts(sub, p, true))) {
            return false;
        }
        if (!channel.isWritable()) {
            channel.flush();
            if (!channel.isWritable()) {
                slowConsumer();
                return false;
            }
        }
        channel.write(frames != null ? frames.frameFor(sub.framePrefix(), channel.alloc())
                : frame(messageFrame(sub, message.tail()), message.isText()), channel.voidPromise());
        return true;
    }

    /**
     * After a {@link #deliver}: whether this caller is the first to owe this session a flush since the last
     * {@link #flushDeliveries}, so that a batch of deliveries flushes each socket once.
     */
    public boolean claimFlush() {
        if (flushPending) {
            return false;
        }
        flushPending = true;
        return true;
    }

    /** Writes a message from history (a replay) to a subscription, without flushing. */
    void replay(Subscription sub, EncodedMessage message) {
        if (!closing && accepts(sub, message.message(), false)) {
            channel.write(frame(messageFrame(sub, message.tail()), message.isText()), channel.voidPromise());
        }
    }

    /**
     * Claims the offset and, for live messages, applies the whisper rule: only the recipient's sessions that
     * are in the whisper's room receive it. A replay delivers the whispers the user was sent regardless of
     * which rooms this new session has joined so far: the rule was checked when the whisper was sent, and a
     * resuming client may subscribe to its user queue before its rooms.
     */
    private boolean accepts(Subscription sub, Published p, boolean live) {
        if (!sub.advance(p.offset())) {
            return false;
        }
        Envelope e = p.envelope();
        return !live || !Envelope.WHISPER.equals(e.event()) || inRoom(e.room());
    }

    /** Flushes what {@link #deliver} wrote. */
    public void flushDeliveries() {
        flushPending = false;
        channel.flush();
    }

    private ByteBuf messageFrame(Subscription sub, ByteBuf tail) {
        byte[] prefix = sub.framePrefix();
        int length = tail.readableBytes();
        if (length > COPY_THRESHOLD) {
            return channel.alloc().compositeBuffer(2)
                    .addComponent(true, channel.alloc().buffer(prefix.length).writeBytes(prefix))
                    .addComponent(true, tail.retainedDuplicate());
        }
        ByteBuf buf = channel.alloc().buffer(prefix.length + length);
        return buf.writeBytes(prefix).writeBytes(tail, tail.readerIndex(), length);
    }

    private static WebSocketFrame frame(ByteBuf stomp, boolean text) {
        return text ? new TextWebSocketFrame(stomp) : new BinaryWebSocketFrame(stomp);
    }

    /** Writes and flushes one server frame. */
    void send(StompCommand command, StompHeaders headers, byte[] body) {
        if (!closing) {
            channel.writeAndFlush(new TextWebSocketFrame(StompEncoder.encode(channel.alloc(), command, headers, body)),
                    channel.voidPromise());
        }
    }

    /** Writes a server frame without flushing. */
    void write(StompCommand command, StompHeaders headers, byte[] body) {
        if (!closing) {
            channel.write(new TextWebSocketFrame(StompEncoder.encode(channel.alloc(), command, headers, body)),
                    channel.voidPromise());
        }
    }

    /**
     * Tells the client its request was refused, on {@code /user/queue/errors}; the connection stays open.
     * A client with no subscription to the errors queue still gets the MESSAGE, without a subscription header.
     */
    void refuse(String code, String message, String receipt) {
        StompHeaders h = new StompHeaders(8);
        h.addIfPresent("subscription", errors == null ? null : errors.id());
        h.add("destination", errors == null ? Destination.ERRORS_QUEUE : errors.destination().text());
        h.add("message-id", id + "-err-" + (++errorCount));
        h.add("event", "error");
        h.add("error", code);
        h.add("message", message);
        h.addIfPresent("receipt-id", receipt);
        h.add("content-type", "text/plain;charset=utf-8");
        send(StompCommand.MESSAGE, h, message.getBytes(StandardCharsets.UTF_8));
    }

    /** Sends ERROR (STOMP 1.2: the server closes the connection after it) and closes. Any thread. */
    public void close(Disconnect reason, String message, String detail, String receipt,
                      WebSocketCloseStatus status) {
        if (!channel.eventLoop().inEventLoop()) {
            channel.eventLoop().execute(() -> close(reason, message, detail, receipt, status));
            return;
        }
        if (closing) {
            return;
        }
        closeReason = reason;
        StompHeaders h = new StompHeaders(4).add("message", message).addIfPresent("receipt-id", receipt);
        h.add("content-type", "text/plain;charset=utf-8");
        send(StompCommand.ERROR, h, (detail == null ? message : detail).getBytes(StandardCharsets.UTF_8));
        closeSocket(status, message);
    }

    /** Closes with WebSocket code 1012 (service restart): the client should reconnect, elsewhere. Any thread. */
    public void restart(String reason) {
        if (!channel.eventLoop().inEventLoop()) {
            channel.eventLoop().execute(() -> restart(reason));
            return;
        }
        if (!closing) {
            closeReason = Disconnect.RESTART;
            closeSocket(WebSocketCloseStatus.SERVICE_RESTART, reason);
        }
    }

    /** The client asked to end the session (DISCONNECT): closes with 1000, counted as the client's doing. */
    void closeAtClientsRequest() {
        closeReason = Disconnect.CLIENT;
        closeSocket(WebSocketCloseStatus.NORMAL_CLOSURE, "DISCONNECT");
    }

    /** Sends a WebSocket close frame and closes the channel once it is written. */
    void closeSocket(WebSocketCloseStatus status, String reason) {
        closing = true;
        String shortReason = reason.length() > 100 ? reason.substring(0, 100) : reason;
        channel.writeAndFlush(new CloseWebSocketFrame(status.code(), shortReason))
                .addListener(ChannelFutureListener.CLOSE);
    }

    private void slowConsumer() {
        log.warn("session {} of user {}: disconnecting a slow consumer: more than {} bytes waiting to be written",
                id, user, channel.config().getWriteBufferHighWaterMark());
        closing = true;
        closeReason = Disconnect.SLOW_CONSUMER;
        // The queue is full, so an ERROR frame would never arrive; close at once and free the queued frames.
        channel.close();
    }

    @Override
    public String toString() {
        return "Session[" + id + " " + user + "]";
    }
}
