package io.roomcast.session;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.roomcast.auth.AuthenticationException;
import io.roomcast.bus.MessageTooLargeException;
import io.roomcast.bus.Position;
import io.roomcast.config.Settings;
import io.roomcast.delivery.Outbound;
import io.roomcast.failure.FatalErrors;
import io.roomcast.limits.TokenBucket;
import io.roomcast.metrics.Disconnect;
import io.roomcast.refusal.Refusal;
import io.roomcast.refusal.Refusal.Code;
import io.roomcast.room.ApplicationHeaders;
import io.roomcast.stomp.StompCommand;
import io.roomcast.stomp.StompFrame;
import io.roomcast.stomp.StompHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The STOMP state machine of one connection: one {@code switch} on the command, one short method per command.
 * Resuming with {@code since} is {@link Resume}'s; everything written goes through the connection's
 * {@link Outbound}.
 *
 * <p>Two kinds of "no": a frame that breaks the protocol gets ERROR and a close; a valid request that is not
 * allowed gets a MESSAGE on {@code /user/queue/errors} and the connection stays open.
 *
 * <p>Added to the pipeline once the WebSocket handshake is done, so a plain HTTP request never makes a
 * session. One instance per connection; runs on its event loop.
 */
public final class StompSessionHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(StompSessionHandler.class);
    private static final List<String> VERSIONS = List.of("1.2", "1.1", "1.0");
    /** STOMP's own headers on a SEND: read (or ignored) by the node, never passed on as application headers. */
    private static final List<String> SEND_HEADERS = List.of("destination", "receipt", "content-length",
            "content-type", "transaction");
    /** ... and on a whisper, its target. */
    private static final List<String> WHISPER_HEADERS = List.of("room", "to");
    /** Numbers the presence answers, which have no bus position. */
    private static final AtomicLong PRESENCE_IDS = new AtomicLong();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[] EMPTY = new byte[0];

    private final StompContext node;
    private final Settings settings;
    private final String clientAddress;
    private Session session;
    private Outbound out;
    private ScheduledFuture<?> connectTimer;
    /** SENDs this connection may still make now; made at the first SEND (idle connections don't pay for it). */
    private TokenBucket sendBudget;
    /** SENDs refused by the rate limit since the last one accepted. */
    private int refusedInARow;

    /** @param clientAddress the client's address as the trusted proxies tell it, for logs */
    public StompSessionHandler(StompContext node, String clientAddress) {
        this.node = node;
        this.settings = node.settings();
        this.clientAddress = clientAddress;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        out = Outbound.of(ctx.channel());
        session = new Session(out, node.dispatcher().fanout(ctx.channel().eventLoop()));
        connectTimer = ctx.executor().schedule(this::connectTimedOut, settings.connectTimeout.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    private void connectTimedOut() {
        if (!session.isConnected()) {
            session.close(Disconnect.HANDSHAKE_TIMEOUT, "no CONNECT frame within "
                    + settings.connectTimeout.toMillis() + " ms", Code.CONNECT_TIMEOUT, null,
                    WebSocketCloseStatus.POLICY_VIOLATION);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof IdleStateEvent idle) {
            try (var logContext = MDC.putCloseable("session", session.id())) {
                onIdle(idle);
            }
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        out.writabilityChanged();
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof CloseWebSocketFrame close) {
            out.answerClientClose(close);
            return;
        }
        try {
            if (msg instanceof StompFrame frame && !out.isClosing()) {
                try (var logContext = MDC.putCloseable("session", session.id())) {
                    onFrame(frame);
                }
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void onFrame(StompFrame frame) {
        if (frame.isFailed()) {
            protocolError(frame.failureCode(), frame.failure(), null);
        } else if (frame.command() == StompCommand.CONNECT || frame.command() == StompCommand.STOMP) {
            onConnect(frame);
        } else if (!session.isConnected()) {
            protocolError("expected CONNECT or STOMP as the first frame, got " + frame.command(),
                    frame.header("receipt"));
        } else {
            dispatch(frame);
        }
    }

    private void dispatch(StompFrame frame) {
        switch (frame.command()) {
            case SUBSCRIBE -> onSubscribe(frame);
            case UNSUBSCRIBE -> onUnsubscribe(frame);
            case SEND -> onSend(frame);
            case DISCONNECT -> onDisconnect(frame);
            case ACK, NACK -> Receipts.send(out, frame.header("receipt"), null); // every subscription is ack:auto
            case BEGIN, COMMIT, ABORT -> session.refuse(Code.UNSUPPORTED, "transactions are not supported",
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
        if (node.draining().getAsBoolean()) {
            session.restart("node " + node.nodeId() + " is restarting; connect again");
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
            fail(Disconnect.AUTH_FAILED, Code.UNAUTHORIZED, "authentication failed: " + e.getMessage(),
                    WebSocketCloseStatus.POLICY_VIOLATION);
            return;
        }
        session.connected(user, version);
        if (!node.sessions().add(session, settings.maxConnectionsPerUser)) {
            node.metrics().limitTriggered("connections-per-user");
            fail(Disconnect.LIMIT, Code.CONNECTIONS_PER_USER, "too many connections for user '" + user
                    + "' on this node (the limit is " + settings.maxConnectionsPerUser + ")",
                    WebSocketCloseStatus.POLICY_VIOLATION);
            return;
        }
        connectTimer.cancel(false);
        connectTimer = null; // kept by nothing else; an idle connection should not carry it
        installHeartBeat(heartBeat);
        StompHeaders h = new StompHeaders(8)
                .add("version", version)
                .add("heart-beat", HeartBeat.serverHeader(settings.heartbeatSend, settings.heartbeatReceive))
                .add("session", session.id())
                .add("server", node.serverVersion())
                .add("user-name", user)
                .add("node", node.nodeId());
        out.send(StompCommand.CONNECTED, h, EMPTY);
        log.debug("session {} connected as {} from {} (STOMP {}, heart-beat {})", session.id(), user, clientAddress,
                version, heartBeat);
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
        out.channel().pipeline().addFirst("heart-beat",
                new IdleStateHandler(readTimeout, hb.sendMillis(), 0, TimeUnit.MILLISECONDS));
    }

    private void onIdle(IdleStateEvent idle) {
        switch (idle.state()) {
            case WRITER_IDLE -> out.heartBeat();
            // While the node has stopped reading a backed-up client, silence is the node's doing, not the
            // client's: the slow-consumer grace decides instead.
            case READER_IDLE -> {
                if (!out.isBackedUp()) {
                    fail(Disconnect.HEARTBEAT_TIMEOUT, Code.HEARTBEAT_TIMEOUT, "heart-beat timeout: nothing"
                            + " received from the client for more than " + out.channel().pipeline().get(IdleStateHandler.class)
                            .getReaderIdleTimeInMillis() + " ms", WebSocketCloseStatus.POLICY_VIOLATION);
                }
            }
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
            session.refuse(r, receipt);
        }
    }

    private void subscribe(String id, String destinationText, String since, String receipt) throws Refusal {
        if (session.subscription(id) != null) {
            throw new Refusal(Code.DUPLICATE_SUBSCRIPTION, "subscription id '" + id + "' is already in use");
        }
        Destination destination = Destination.forSubscribe(destinationText, settings.maxRoomLength);
        if (destination.kind() == Destination.Kind.PRESENCE) {
            answerPresence(id, destination, receipt);
            return;
        }
        if (session.subscriptionCount() >= settings.maxSubscriptions) {
            throw new Refusal(Code.TOO_MANY_SUBSCRIPTIONS, "a connection may hold at most "
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
        boolean resuming = sub.stream() != null && since != null;
        Position head = null;
        if (resuming) {
            node.resume().start(sub, Position.parse(since), since, receipt); // its receipt follows the replay
        } else if (sub.stream() != null) {
            head = node.history().head(sub.stream());
            if (head != null) {
                sub.advance(head.offset());
            }
        }
        if (destination.kind() == Destination.Kind.ROOM && session.enterRoom(destination.room())) {
            node.outbox().enter(destination.room(), session.user());
        }
        if (!resuming) {
            // After the join is on the bus: a client that acts on the receipt finds itself in the room.
            Receipts.send(out, receipt, head);
        }
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
            throw new Refusal(Code.NOT_A_MEMBER, "you are not in room '" + room + "': SUBSCRIBE to "
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
                .add("message-id", "presence-" + PRESENCE_IDS.incrementAndGet())
                .add("event", "presence")
                .add("room", room)
                .addIfPresent("position", head == null ? null : head.toString())
                .add("content-type", "application/json");
        out.write(StompCommand.MESSAGE, h, body);
        Receipts.send(out, receipt, head);
        out.flush();
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
            session.refuse(Code.UNKNOWN_SUBSCRIPTION, "no subscription with id '" + id + "'", receipt);
            return;
        }
        unsubscribe(sub);
        Receipts.send(out, receipt, null);
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
            node.metrics().dropped(r.code().code());
            session.refuse(r, receipt);
            return;
        }
        node.metrics().stompMessageIn();
        published.whenComplete((position, failure) -> out.channel().eventLoop().execute(() -> {
            if (failure == null) {
                Receipts.send(out, receipt, position);
                return;
            }
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                    ? failure.getCause() : failure;
            Code code = cause instanceof MessageTooLargeException ? Code.TOO_LARGE : Code.BUS_UNAVAILABLE;
            node.metrics().dropped(code.code());
            session.refuse(code, "the message was not published: " + cause.getMessage(), receipt);
        }));
    }

    /**
     * A SEND over the rate: refused like any other, so the client learns why; a client that keeps sending
     * through a whole burst of refusals is not listening, and is closed.
     */
    private void onSendRefusedByRate(String receipt) {
        node.metrics().dropped(Code.RATE_LIMITED.code());
        if (++refusedInARow == 1) {
            node.metrics().limitTriggered("send-rate");
        }
        if (refusedInARow >= settings.maxSendBurst) {
            fail(Disconnect.LIMIT, Code.RATE_LIMITED, "sending faster than " + settings.maxSendRate
                    + " messages a second (--max-send-rate) after " + refusedInARow + " refusals in a row",
                    WebSocketCloseStatus.POLICY_VIOLATION);
            return;
        }
        session.refuse(Code.RATE_LIMITED, "sending faster than " + settings.maxSendRate + " messages a second, in"
                + " bursts of " + settings.maxSendBurst + "; this message was not sent", receipt);
    }

    private CompletableFuture<Position> publish(Destination destination, StompFrame frame) throws Refusal {
        String user = session.user();
        String contentType = frame.header("content-type");
        boolean whisper = destination.kind() == Destination.Kind.WHISPER;
        Map<String, String> headers = applicationHeaders(frame.headers(), whisper);
        if (!whisper) {
            return node.outbox().post(user, destination.room(), contentType, headers, frame.body());
        }
        String room = frame.header("room");
        String to = frame.header("to");
        if (room == null || to == null || to.isEmpty()) {
            throw new Refusal(Code.MISSING_HEADER, "a whisper needs a 'room' header and a 'to' header");
        }
        Destination.room(room, settings.maxRoomLength);
        return node.outbox().whisper(user, to, room, contentType, headers, frame.body());
    }

    /**
     * The SEND's headers other than STOMP's own, to pass on to the receivers. One that tries to pass for a
     * header the node sets ({@link ApplicationHeaders}) refuses the whole SEND, as the HTTP API refuses it.
     */
    private static Map<String, String> applicationHeaders(StompHeaders headers, boolean whisper) throws Refusal {
        Map<String, String> app = new HashMap<>();
        for (int i = 0; i < headers.size(); i++) {
            String name = headers.name(i);
            if (SEND_HEADERS.contains(name) || whisper && WHISPER_HEADERS.contains(name)) {
                continue;
            }
            ApplicationHeaders.checkName(name);
            app.putIfAbsent(name, headers.value(i)); // a repeated header: the first value wins, as in STOMP
        }
        return app.isEmpty() ? Map.of() : app;
    }

    // ---- DISCONNECT and errors ----

    private void onDisconnect(StompFrame frame) {
        Receipts.send(out, frame.header("receipt"), null);
        out.closeAtClientsRequest();
    }

    private void protocolError(String message, String receipt) {
        protocolError(Code.BAD_REQUEST, message, receipt);
    }

    private void protocolError(Code code, String message, String receipt) {
        log.debug("session {} from {}: protocol error: {}", session.id(), clientAddress, message);
        session.close(Disconnect.PROTOCOL_ERROR, message, code, receipt, WebSocketCloseStatus.PROTOCOL_ERROR);
    }

    private void fail(Disconnect reason, Code code, String message, WebSocketCloseStatus status) {
        if (reason == Disconnect.LIMIT) {
            // An abuser would otherwise write the log for us; roomcast_limits_triggered_total counts these.
            log.debug("session {} ({}) from {}: closing: {}", session.id(), session.user(), clientAddress, message);
        } else {
            log.info("session {} ({}) from {}: closing: {}", session.id(), session.user(), clientAddress, message);
        }
        session.close(reason, message, code, null, status);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        try (var logContext = MDC.putCloseable("session", session.id())) {
            ended();
        }
        ctx.fireChannelInactive();
    }

    private void ended() {
        if (connectTimer != null) {
            connectTimer.cancel(false);
        }
        Disconnect reason = out.closeReason() != null ? out.closeReason()
                : out.clientClosed() ? Disconnect.CLIENT : Disconnect.CONNECTION_LOST;
        node.metrics().disconnected(reason);
        if (reason == Disconnect.SLOW_CONSUMER) {
            node.metrics().dropped("slow-consumer");
        }
        if (session.isConnected()) {
            for (Subscription sub : List.copyOf(session.subscriptions())) {
                unsubscribe(sub);
            }
            node.sessions().remove(session);
        }
    }

    /**
     * A reset or broken pipe is the network's doing (counted as connection-lost when the channel ends); a
     * corrupt WebSocket frame is the client's (Netty has already answered it with 1002); anything else is the
     * node's own failure, logged with its stack trace and counted as such.
     */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        FatalErrors.haltIfFatal(cause);
        if (cause instanceof IOException) {
            log.debug("session {}: {}; closing", session.id(), cause.toString());
            out.closeNow(Disconnect.CONNECTION_LOST);
        } else if (cause instanceof CorruptedWebSocketFrameException) {
            log.debug("session {}: {}; closing", session.id(), cause.toString());
            out.closeNow(Disconnect.PROTOCOL_ERROR);
        } else {
            log.warn("session {} ({}): unexpected failure; closing", session.id(), session.user(), cause);
            out.closeNow(Disconnect.ERROR);
        }
    }
}
