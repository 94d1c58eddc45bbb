package io.roomcast.session;

import io.roomcast.limits.TokenBucket;
import io.roomcast.metrics.Disconnect;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.buffer.Unpooled;
import io.netty.util.concurrent.ScheduledFuture;
import io.roomcast.auth.AuthenticationException;
import io.roomcast.bus.Position;
import io.roomcast.bus.Published;
import io.roomcast.config.Settings;
import io.roomcast.delivery.EncodedMessage;
import io.roomcast.history.HistoryWindow;
import io.roomcast.history.Replay;
import io.roomcast.node.Node;
import io.roomcast.room.Refusal;
import io.roomcast.stomp.StompCommand;
import io.roomcast.stomp.StompFrame;
import io.roomcast.stomp.StompHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.CompletionException;
import io.roomcast.bus.MessageTooLargeException;

/**
 * The STOMP state machine of one connection: one {@code switch} on the command, one short method per command.
 *
 * <p>Two kinds of "no": a frame that breaks the protocol gets ERROR and a close; a valid request that is not
 * allowed gets a MESSAGE on {@code /user/queue/errors} and the connection stays open.
 *
 * <p>One instance per connection; runs on its event loop.
 */
public final class StompSessionHandler extends SimpleChannelInboundHandler<StompFrame> {
    private static final Logger log = LoggerFactory.getLogger(StompSessionHandler.class);
    private static final String SERVER = "Roomcast/" + Node.VERSION;
    private static final List<String> VERSIONS = List.of("1.2", "1.1", "1.0");
    private static final Set<String> RESERVED_HEADERS = Set.of("destination", "receipt", "content-length",
            "content-type", "transaction", "room", "to", "from", "event", "position", "message-id", "subscription",
            "user", "id", "ack", "since", "recovered");
    /** Numbers the server's own MESSAGEs (recovery and presence answers), which have no bus position. */
    private static final AtomicLong SERVER_MESSAGE_IDS = new AtomicLong();
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Node node;
    private final Settings settings;
    private Session session;
    private ScheduledFuture<?> connectTimer;
    /** SENDs this connection may still make now; made at the first SEND (idle connections don't pay for it). */
    private TokenBucket sendBudget;
    /** SENDs refused by the rate limit since the last one accepted. */
    private int refusedInARow;

    public StompSessionHandler(Node node) {
        this.node = node;
        this.settings = node.settings();
    }

    /**
     * A SEND over the rate: refused like any other, so the client learns why; a client that keeps sending
     * through a whole burst of refusals is not listening, and is closed.
     */
    private void onSendRefusedByRate(String receipt) {
        node.metrics().dropped("rate-limited");
        if (++refusedInARow == 1) {
            node.metrics().limitTriggered("send-rate");
        }
        if (refusedInARow >= settings.maxSendBurst) {
            fail(Disconnect.LIMIT, "sending faster than " + settings.maxSendRate + " messages a second (--max-send-rate)"
                    + " after " + refusedInARow + " refusals in a row", WebSocketCloseStatus.POLICY_VIOLATION);
            return;
        }
        session.refuse("rate-limited", "sending faster than " + settings.maxSendRate + " messages a second, in bursts"
                + " of " + settings.maxSendBurst + "; this message was not sent", receipt);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        session = new Session(ctx.channel(), node.dispatcher().fanout(ctx.channel().eventLoop()));
        connectTimer = ctx.executor().schedule(this::connectTimedOut, settings.connectTimeout.toMillis(),
                TimeUnit.MILLISECONDS);
        ctx.fireChannelActive();
    }

    /** A socket that neither upgraded nor spoke HTTP, or upgraded but never sent CONNECT, in time. */
    private void connectTimedOut() {
        if (session.isConnected() || session.isClosing()) {
            return;
        }
        if (Boolean.TRUE.equals(session.channel().attr(Channels.HTTP_SEEN).get())
                && !Boolean.TRUE.equals(session.channel().attr(Channels.UPGRADED).get())) {
            return; // a plain HTTP API connection
        }
        if (Boolean.TRUE.equals(session.channel().attr(Channels.UPGRADED).get())) {
            session.close(Disconnect.HANDSHAKE_TIMEOUT, "no CONNECT frame within " + settings.connectTimeout.toMillis()
                    + " ms", null, null,
                    WebSocketCloseStatus.POLICY_VIOLATION);
        } else {
            log.debug("closing {}: no WebSocket handshake within {}", session.channel(), settings.connectTimeout);
            session.channel().close();
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        try (var logContext = MDC.putCloseable("session", session.id())) {
            onUserEvent(ctx, evt);
        }
    }

    private void onUserEvent(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete) {
            ctx.channel().attr(Channels.UPGRADED).set(Boolean.TRUE);
            // Plain HTTP can't come on an upgraded socket: drop its handler, one less object per connection.
            if (ctx.pipeline().get(Channels.HTTP_API_HANDLER) != null) {
                ctx.pipeline().remove(Channels.HTTP_API_HANDLER);
            }
        } else if (evt instanceof IdleStateEvent idle) {
            onIdle(idle);
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, StompFrame frame) {
        if (session.isClosing()) {
            return;
        }
        if (frame.isFailed()) {
            protocolError(frame.failure(), null);
            return;
        }
        try (var logContext = MDC.putCloseable("session", session.id())) {
            if (frame.command() == StompCommand.CONNECT || frame.command() == StompCommand.STOMP) {
                onConnect(frame);
            } else if (!session.isConnected()) {
                protocolError("expected CONNECT or STOMP as the first frame, got " + frame.command(),
                        frame.header("receipt"));
            } else {
                dispatch(frame);
            }
        }
    }

    private void dispatch(StompFrame frame) {
        switch (frame.command()) {
            case SUBSCRIBE -> onSubscribe(frame);
            case UNSUBSCRIBE -> onUnsubscribe(frame);
            case SEND -> onSend(frame);
            case DISCONNECT -> onDisconnect(frame);
            case ACK, NACK -> receipt(frame.header("receipt"), null); // every subscription is ack:auto
            case BEGIN, COMMIT, ABORT -> session.refuse("unsupported", "transactions are not supported",
                    frame.header("receipt"));
            default -> protocolError("'" + frame.command() + "' is a server frame; a client must not send it",
                    frame.header("receipt"));
        }
    }

    // ---- CONNECT ----

    private void onConnect(StompFrame frame) {
        if (session.isConnected()) {
            protocolError("already connected: CONNECT may be sent only once", frame.header("receipt"));
            return;
        }
        if (node.isDraining()) {
            session.restart("node " + node.id() + " is restarting; connect again");
            return;
        }
        String version = negotiateVersion(frame.header("accept-version"));
        if (version == null) {
            protocolError("unsupported STOMP version '" + frame.header("accept-version")
                    + "': this server speaks 1.2, 1.1 and 1.0", null);
            return;
        }
        HeartBeat heartBeat;
        String user;
        try {
            heartBeat = HeartBeat.negotiate(frame.header("heart-beat"), settings.heartbeatSend,
                    settings.heartbeatReceive);
            user = node.authenticator().authenticate(frame.headers());
        } catch (IllegalArgumentException e) {
            protocolError(e.getMessage(), null);
            return;
        } catch (AuthenticationException e) {
            fail(Disconnect.AUTH_FAILED, "authentication failed: " + e.getMessage(),
                    WebSocketCloseStatus.POLICY_VIOLATION);
            return;
        }
        session.connected(user, version);
        if (!node.sessions().add(session, settings.maxConnectionsPerUser)) {
            node.metrics().limitTriggered("connections-per-user");
            fail(Disconnect.LIMIT, "too many connections for user '" + user + "' on this node (the limit is "
                    + settings.maxConnectionsPerUser + ")", WebSocketCloseStatus.POLICY_VIOLATION);
            return;
        }
        connectTimer.cancel(false);
        connectTimer = null; // kept by nothing else; an idle connection should not carry it
        installHeartBeat(heartBeat);
        StompHeaders h = new StompHeaders(8)
                .add("version", version)
                .add("heart-beat", HeartBeat.serverHeader(settings.heartbeatSend, settings.heartbeatReceive))
                .add("session", session.id())
                .add("server", SERVER)
                .add("user-name", user)
                .add("node", node.id());
        session.send(StompCommand.CONNECTED, h, new byte[0]);
        log.debug("session {} connected as {} from {} (STOMP {}, heart-beat {})", session.id(), user,
                session.channel().attr(Channels.CLIENT_ADDRESS).get(), version, heartBeat);
    }

    private static String negotiateVersion(String acceptVersion) {
        if (acceptVersion == null) {
            return "1.0";
        }
        List<String> offered = List.of(acceptVersion.split(","));
        return VERSIONS.stream().filter(v -> offered.stream().anyMatch(o -> o.trim().equals(v))).findFirst()
                .orElse(null);
    }

    private void installHeartBeat(HeartBeat hb) {
        if (hb.sendMillis() == 0 && hb.expectMillis() == 0) {
            return;
        }
        long readTimeout = hb.expectMillis() == 0 ? 0 : (long) (hb.expectMillis() * settings.heartbeatTolerance);
        // First in the pipeline: any byte from the client, heart-beat or frame, proves it is alive.
        session.channel().pipeline().addFirst("heart-beat",
                new IdleStateHandler(readTimeout, hb.sendMillis(), 0, TimeUnit.MILLISECONDS));
    }

    private void onIdle(IdleStateEvent idle) {
        switch (idle.state()) {
            case WRITER_IDLE -> session.channel().writeAndFlush(new TextWebSocketFrame(Unpooled.wrappedBuffer(
                    new byte[] {'\n'})), session.channel().voidPromise());
            case READER_IDLE -> fail(Disconnect.HEARTBEAT_TIMEOUT, "heart-beat timeout: nothing received from the client for more than "
                    + session.channel().pipeline().get(IdleStateHandler.class).getReaderIdleTimeInMillis() + " ms",
                    WebSocketCloseStatus.POLICY_VIOLATION);
            default -> {
            }
        }
    }

    // ---- SUBSCRIBE / UNSUBSCRIBE ----

    private void onSubscribe(StompFrame frame) {
        String receipt = frame.header("receipt");
        String destinationText = frame.header("destination");
        if (destinationText == null) {
            protocolError("SUBSCRIBE requires a 'destination' header", receipt);
            return;
        }
        String id = frame.header("id");
        if (id == null) {
            if (!session.version().equals("1.0")) {
                protocolError("SUBSCRIBE requires an 'id' header in STOMP " + session.version(), receipt);
                return;
            }
            id = destinationText;
        }
        try {
            subscribe(id, destinationText, frame.header("since"), receipt);
        } catch (Refusal r) {
            session.refuse(r.code(), r.getMessage(), receipt);
        }
    }

    private void subscribe(String id, String destinationText, String since, String receipt) throws Refusal {
        if (session.subscription(id) != null) {
            throw new Refusal("duplicate-subscription", "subscription id '" + id + "' is already in use");
        }
        Destination destination = Destination.forSubscribe(destinationText, settings.maxRoomLength);
        if (destination.kind() == Destination.Kind.PRESENCE) {
            answerPresence(id, destination, receipt);
            return;
        }
        if (session.subscriptionCount() >= settings.maxSubscriptions) {
            throw new Refusal("too-many-subscriptions", "a connection may hold at most "
                    + settings.maxSubscriptions + " subscriptions");
        }
        if (destination.kind() == Destination.Kind.ROOM && !session.inRoom(destination.room())) {
            try {
                node.outbox().checkRoomLimit(session.user(), destination.room(), settings.maxRoomsPerUser);
            } catch (Refusal r) {
                node.metrics().limitTriggered("rooms-per-user");
                throw r;
            }
        }
        Subscription sub = session.subscribe(id, destination);
        Position sincePosition = Position.parse(since);
        HistoryWindow.Bounds deep = sub.stream() == null ? null : node.recovery().needsLog(sub.stream(), sincePosition);
        if (deep != null) {
            replayFromLog(sub, since, sincePosition, deep, receipt);
            if (destination.kind() == Destination.Kind.ROOM && session.enterRoom(destination.room())) {
                node.outbox().enter(destination.room(), session.user());
            }
            return;
        }
        Position head = sub.stream() == null ? null
                : since == null ? node.history().head(sub.stream()) : replay(sub, since);
        if (head != null) {
            sub.advance(head.offset());
        }
        if (destination.kind() == Destination.Kind.ROOM && session.enterRoom(destination.room())) {
            node.outbox().enter(destination.room(), session.user());
        }
        receipt(receipt, head);
        session.channel().flush();
    }

    /**
     * The members of a room the user is in, as one MESSAGE ({@code event:presence}, a JSON body like the HTTP
     * API's). Nothing is registered: the subscription ends with its answer, as Spring's
     * {@code @SubscribeMapping} replies do. Its {@code position} is the room stream's head when the list was
     * taken, so that a client applies only the {@code join}/{@code leave} events after it.
     */
    private void answerPresence(String id, Destination destination, String receipt) throws Refusal {
        String room = destination.room();
        if (!node.presence().contains(room, session.user())) {
            throw new Refusal("not-a-member", "you are not in room '" + room + "': SUBSCRIBE to "
                    + Destination.ROOM_TOPIC_PREFIX + room + " before asking who is in it");
        }
        byte[] body;
        try {
            body = JSON.writeValueAsBytes(node.presence().view(room));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        Position head = node.history().head(destination.stream());
        StompHeaders h = new StompHeaders(8)
                .add("subscription", id)
                .add("destination", destination.text())
                .add("message-id", "presence-" + SERVER_MESSAGE_IDS.incrementAndGet())
                .add("event", "presence")
                .add("room", room)
                .addIfPresent("position", head == null ? null : head.toString())
                .add("content-type", "application/json");
        session.write(StompCommand.MESSAGE, h, body);
        receipt(receipt, head);
        session.channel().flush();
    }

    /**
     * Sends the recovery event and the missed messages. The subscription is already registered, so a message
     * published meanwhile is also on its way live; the subscription's offset check lets exactly one copy
     * through, and the replay, written first, keeps the order.
     *
     * @return the stream's position after the replay
     */
    private Position replay(Subscription sub, String since) {
        return writeReplay(sub, since, node.history().since(sub.stream(), Position.parse(since)));
    }

    /**
     * A resume older than the window. Three parts, taken so that none can race with another: the window's
     * messages now (floor..head, on this loop), the older ones from the log (read off the event loop), and
     * everything after head live (held back meanwhile, since the subscription is already registered). Then
     * the recovery event, log part, window part and held messages go out in order; the offset check drops any
     * overlap.
     */
    private void replayFromLog(Subscription sub, String since, Position sincePosition, HistoryWindow.Bounds bounds,
                               String receipt) {
        sub.startReplay();
        Replay windowPart = node.history().since(sub.stream(), new Position(bounds.epoch(), bounds.partition(),
                bounds.floor() - 1));
        node.recovery().fromLog(sub.stream(), sincePosition, bounds).whenComplete((logPart, failure) ->
                session.channel().eventLoop().execute(() -> finishReplay(sub, since, logPart, windowPart, receipt)));
    }

    private void finishReplay(Subscription sub, String since, Replay logPart, Replay windowPart, String receipt) {
        List<EncodedMessage> held = sub.endReplay();
        try {
            if (session.isClosing() || session.subscription(sub.id()) != sub) {
                return;
            }
            boolean complete = logPart != null && logPart.recovered() && windowPart.recovered() && !sub.heldOverflow();
            List<Published> missed = new ArrayList<>();
            if (complete) {
                missed.addAll(logPart.messages());
                missed.addAll(windowPart.messages());
            }
            Replay answer = new Replay(complete, complete ? windowPart.head() : node.history().head(sub.stream()),
                    missed);
            Position head = writeReplay(sub, since, answer);
            if (head != null) {
                sub.advance(head.offset());
            }
            for (EncodedMessage live : held) {
                session.deliver(sub, live);
            }
            receipt(receipt, head);
            session.flushDeliveries();
        } finally {
            held.forEach(EncodedMessage::release);
        }
    }

    /** Writes the recovery event and the missed messages; @return the stream's position after them */
    private Position writeReplay(Subscription sub, String since, Replay replay) {
        StompHeaders h = new StompHeaders(8)
                .add("subscription", sub.id())
                .add("destination", sub.destination().text())
                .add("message-id", "recovery-" + SERVER_MESSAGE_IDS.incrementAndGet())
                .add("event", "recovery")
                .add("recovered", Boolean.toString(replay.recovered()))
                .addIfPresent("position", replay.head() == null ? null : replay.head().toString())
                .add("since", since);
        session.write(StompCommand.MESSAGE, h, new byte[0]);
        node.metrics().recovery(replay.recovered());
        for (Published missed : replay.messages()) {
            EncodedMessage encoded = EncodedMessage.encode(session.channel().alloc(), missed);
            try {
                session.replay(sub, encoded);
            } finally {
                encoded.release();
            }
        }
        return replay.head();
    }

    private void onUnsubscribe(StompFrame frame) {
        String receipt = frame.header("receipt");
        String id = frame.header("id");
        if (id == null) {
            protocolError("UNSUBSCRIBE requires an 'id' header", receipt);
            return;
        }
        Subscription sub = session.subscription(id);
        if (sub == null) {
            session.refuse("unknown-subscription", "no subscription with id '" + id + "'", receipt);
            return;
        }
        unsubscribe(sub);
        receipt(receipt, null);
    }

    private void unsubscribe(Subscription sub) {
        session.unsubscribe(sub);
        String room = sub.destination().room();
        if (sub.destination().kind() == Destination.Kind.ROOM && session.exitRoom(room)) {
            node.outbox().exit(room, session.user());
        }
    }

    // ---- SEND ----

    private void onSend(StompFrame frame) {
        String receipt = frame.header("receipt");
        String destinationText = frame.header("destination");
        if (destinationText == null) {
            protocolError("SEND requires a 'destination' header", receipt);
            return;
        }
        if (settings.maxSendRate > 0 && sendBudget == null) {
            sendBudget = new TokenBucket(settings.maxSendRate, settings.maxSendBurst, System.nanoTime());
        }
        if (sendBudget != null && !sendBudget.tryTake(System.nanoTime())) {
            onSendRefusedByRate(receipt);
            return;
        }
        refusedInARow = 0;
        CompletableFuture<Position> published;
        try {
            published = publish(Destination.forSend(destinationText, settings.maxRoomLength), frame);
        } catch (Refusal r) {
            node.metrics().dropped(r.code());
            session.refuse(r.code(), r.getMessage(), receipt);
            return;
        }
        node.metrics().stompMessageIn();
        published.whenComplete((position, failure) -> session.channel().eventLoop().execute(() -> {
            if (failure != null) {
                Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                        ? failure.getCause() : failure;
                String code = cause instanceof MessageTooLargeException ? "too-large" : "bus-unavailable";
                node.metrics().dropped(code);
                session.refuse(code, "the message was not published: " + cause.getMessage(), receipt);
            } else {
                receipt(receipt, position);
                session.channel().flush();
            }
        }));
    }

    private CompletableFuture<Position> publish(Destination destination, StompFrame frame) throws Refusal {
        String user = session.user();
        String contentType = frame.header("content-type");
        Map<String, String> headers = applicationHeaders(frame.headers());
        if (destination.kind() == Destination.Kind.POST) {
            return node.outbox().post(user, destination.room(), contentType, headers, frame.body());
        }
        String room = frame.header("room");
        String to = frame.header("to");
        if (room == null || to == null || to.isEmpty()) {
            throw new Refusal("missing-header", "a whisper needs a 'room' header and a 'to' header");
        }
        Destination.room(room, settings.maxRoomLength);
        return node.outbox().whisper(user, to, room, contentType, headers, frame.body());
    }

    private static Map<String, String> applicationHeaders(StompHeaders headers) {
        Map<String, String> app = new HashMap<>();
        headers.copyTo(app, RESERVED_HEADERS);
        return app.isEmpty() ? Map.of() : app;
    }

    // ---- DISCONNECT and errors ----

    private void onDisconnect(StompFrame frame) {
        receipt(frame.header("receipt"), null);
        session.closeAtClientsRequest();
    }

    private void receipt(String receipt, Position position) {
        if (receipt != null) {
            StompHeaders h = new StompHeaders(2).add("receipt-id", receipt);
            if (position != null) {
                h.add("position", position.toString());
            }
            session.write(StompCommand.RECEIPT, h, new byte[0]);
            session.channel().flush();
        }
    }

    private void protocolError(String message, String receipt) {
        log.debug("session {}: protocol error: {}", session.id(), message);
        session.close(Disconnect.PROTOCOL_ERROR, message, null, receipt, WebSocketCloseStatus.PROTOCOL_ERROR);
    }

    private void fail(Disconnect reason, String message, WebSocketCloseStatus status) {
        if (reason == Disconnect.LIMIT) {
            // An abuser would otherwise write the log for us; roomcast_limits_triggered_total counts these.
            log.debug("session {} ({}): closing: {}", session.id(), session.user(), message);
        } else {
            log.info("session {} ({}): closing: {}", session.id(), session.user(), message);
        }
        session.close(reason, message, null, null, status);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        try (var logContext = MDC.putCloseable("session", session.id())) {
            ended(ctx);
        }
    }

    private void ended(ChannelHandlerContext ctx) {
        if (connectTimer != null) {
            connectTimer.cancel(false);
        }
        if (Boolean.TRUE.equals(ctx.channel().attr(Channels.UPGRADED).get())) {
            Disconnect reason = session.closeReason() != null ? session.closeReason()
                    : Boolean.TRUE.equals(ctx.channel().attr(Channels.CLIENT_CLOSED).get()) ? Disconnect.CLIENT
                    : Disconnect.CONNECTION_LOST;
            node.metrics().disconnected(reason);
            if (reason == Disconnect.SLOW_CONSUMER) {
                node.metrics().dropped("slow-consumer");
            }
        }
        if (session.isConnected()) {
            for (Subscription sub : List.copyOf(session.subscriptions())) {
                unsubscribe(sub);
            }
            node.sessions().remove(session);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("session {}: {}; closing", session == null ? "-" : session.id(), cause.toString());
        ctx.close();
    }
}
