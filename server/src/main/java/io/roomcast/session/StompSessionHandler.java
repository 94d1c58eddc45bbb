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
import io.roomcast.access.Capability;
import io.roomcast.access.JoinDecision;
import io.roomcast.auth.AuthenticationException;
import io.roomcast.auth.Authenticator;
import io.roomcast.auth.Principal;
import io.roomcast.bus.MessageTooLargeException;
import io.roomcast.bus.Position;
import io.roomcast.bus.Stream;
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
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
    private static final Set<String> SUBSCRIBE_HEADERS = Set.of("destination", "id", "receipt", "since", "token",
            "ack", "content-length", "content-type");
    private static final byte[] EMPTY = new byte[0];

    private final StompContext node;
    private final Settings settings;
    private final String clientAddress;
    private final Map<String, String> handshakeHeaders;
    private Session session;
    private Outbound out;
    private ScheduledFuture<?> connectTimer;
    /** Closes the connection when its token ends, unless a refresh moves it. */
    private ScheduledFuture<?> expiry;
    /**
     * This connection's rate limits, each made on first use (an idle connection pays for none): SENDs,
     * SUBSCRIBE/UNSUBSCRIBE, presence queries, ACK/NACK and receipts, and the refusals it may earn before it is
     * closed.
     */
    private TokenBucket sends;
    private TokenBucket subscribes;
    private TokenBucket presenceQueries;
    private TokenBucket receipts;
    private TokenBucket refusals;

    /**
     * @param clientAddress    the client's address as the trusted proxies tell it, for logs
     * @param handshakeHeaders the handshake's headers the connect proxy may see (empty unless {@code --auth proxy})
     */
    public StompSessionHandler(StompContext node, String clientAddress, Map<String, String> handshakeHeaders) {
        this.node = node;
        this.settings = node.settings();
        this.clientAddress = clientAddress;
        this.handshakeHeaders = handshakeHeaders;
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
        boolean asksReceipt = frame.header("receipt") != null || frame.command() == StompCommand.ACK
                || frame.command() == StompCommand.NACK;
        if (asksReceipt && !take(receipts = bucket(receipts, settings.maxReceiptRate, settings.maxReceiptBurst))) {
            refuseByRate("receipt-rate", "asking for receipts (and ACK/NACK) faster than " + settings.maxReceiptRate
                    + " a second (--max-receipt-rate)", null);
            return;
        }
        switch (frame.command()) {
            case SUBSCRIBE -> onSubscribe(frame);
            case UNSUBSCRIBE -> onUnsubscribe(frame);
            case SEND -> onSend(frame);
            case DISCONNECT -> onDisconnect(frame);
            case ACK, NACK -> Receipts.send(out, frame.header("receipt"), null); // every subscription is ack:auto
            case BEGIN, COMMIT, ABORT -> refuse(Code.UNSUPPORTED, "transactions are not supported",
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
        try {
            heartBeat = HeartBeat.negotiate(frame.header("heart-beat"), settings.heartbeatSend,
                    settings.heartbeatReceive);
        } catch (IllegalArgumentException e) {
            protocolError(e.getMessage(), null);
            return;
        }
        if (node.connectProxy() != null) {
            askConnectProxy(version, heartBeat);
            return;
        }
        Principal principal;
        try {
            principal = node.authenticator().authenticate(frame.headers());
        } catch (AuthenticationException e) {
            fail(Disconnect.AUTH_FAILED, Code.UNAUTHORIZED, "authentication failed: " + e.getMessage(),
                    WebSocketCloseStatus.POLICY_VIOLATION);
            return;
        }
        connected(principal, version, heartBeat);
    }

    /** {@code --auth proxy}: the backend decides from the handshake; nothing is read from the client meanwhile. */
    private void askConnectProxy(String version, HeartBeat heartBeat) {
        out.holdReads();
        node.connectProxy().ask(node.nodeId(), handshakeHeaders).whenComplete((decision, failure) ->
                out.channel().eventLoop().execute(() -> {
                    out.releaseReads();
                    if (out.isClosing()) {
                        return;
                    }
                    if (failure != null || !decision.allowed()) {
                        String why = failure != null ? failure.toString() : decision.reason();
                        fail(Disconnect.AUTH_FAILED, Code.UNAUTHORIZED, "authentication failed: " + why,
                                WebSocketCloseStatus.POLICY_VIOLATION);
                        return;
                    }
                    String user;
                    try {
                        user = Authenticator.checkUser(decision.user());
                    } catch (AuthenticationException e) {
                        fail(Disconnect.AUTH_FAILED, Code.UNAUTHORIZED, "authentication failed: the connect proxy's "
                                + e.getMessage(),
                                WebSocketCloseStatus.POLICY_VIOLATION);
                        return;
                    }
                    connected(new Principal(user, decision.grants(), decision.expiresAt()), version, heartBeat);
                }));
    }

    private void connected(Principal principal, String version, HeartBeat heartBeat) {
        String user = principal.user();
        session.connected(principal, version);
        if (!node.sessions().add(session, settings.maxConnectionsPerUser)) {
            node.metrics().limitTriggered("connections-per-user");
            fail(Disconnect.LIMIT, Code.CONNECTIONS_PER_USER, "too many connections for user '" + user
                    + "' on this node (the limit is " + settings.maxConnectionsPerUser + ")",
                    WebSocketCloseStatus.POLICY_VIOLATION);
            return;
        }
        connectTimer.cancel(false);
        connectTimer = null; // kept by nothing else; an idle connection should not carry it
        expireAt(principal.expiresAt());
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

    /** The connection ends when its credentials do (null: never), unless a refresh moves the end. */
    private void expireAt(Instant end) {
        if (expiry != null) {
            expiry.cancel(false);
            expiry = null;
        }
        if (end == null) {
            return;
        }
        long millis = Math.max(0, end.toEpochMilli() - System.currentTimeMillis());
        expiry = out.channel().eventLoop().schedule(() -> fail(Disconnect.TOKEN_EXPIRED, Code.TOKEN_EXPIRED,
                "token expired at " + end
                + "; send a fresh one to " + Destination.TOKEN + " before it expires, or connect again",
                WebSocketCloseStatus.POLICY_VIOLATION), millis, TimeUnit.MILLISECONDS);
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
        boolean presenceQuery = destinationText.startsWith(Destination.PRESENCE_PREFIX); // its own rate
        if (!presenceQuery
                && !take(subscribes = bucket(subscribes, settings.maxSubscribeRate, settings.maxSubscribeBurst))) {
            refuseByRate("subscribe-rate", "subscribing and unsubscribing faster than " + settings.maxSubscribeRate
                    + " a second (--max-subscribe-rate)", receipt);
            return;
        }
        try {
            subscribe(id, destinationText, frame, receipt);
        } catch (Refusal r) {
            refuse(r, receipt);
        }
    }

    private void subscribe(String id, String destinationText, StompFrame frame, String receipt) throws Refusal {
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
        Stream stream = destination.kind() == Destination.Kind.USER ? Stream.user(session.user())
                : destination.stream();
        Subscription same = session.subscriptionLike(destination, stream);
        if (same != null) {
            // A second subscription would have every message delivered twice over one connection.
            throw new Refusal(Code.DUPLICATE_DESTINATION, "this connection already subscribes to "
                    + destination.text() + " (subscription '" + same.id() + "'): one subscription per destination");
        }
        if (destination.kind() != Destination.Kind.ROOM) {
            register(id, destination, frame.header("since"), receipt);
            return;
        }
        try {
            node.outbox().checkRoomLimit(session.user(), destination.room(), settings.maxRoomsPerUser);
        } catch (Refusal r) {
            node.metrics().limitTriggered("rooms-per-user");
            throw r;
        }
        join(id, destination, frame, receipt);
    }

    /**
     * Asks whether the session may join, and joins when it may. A backend's answer comes later: until it does,
     * nothing more is read from the client, so its next frames wait their turn.
     */
    private void join(String id, Destination destination, StompFrame frame, String receipt) {
        String since = frame.header("since");
        CompletableFuture<JoinDecision> decision = node.joinRules().decide(session.principal(), destination.room(),
                frame.header("token"), proxyHeaders(frame.headers()));
        if (decision.isDone()) {
            joined(id, destination, since, receipt, decision.join());
            return;
        }
        out.holdReads();
        decision.whenComplete((answer, failure) -> out.channel().eventLoop().execute(() -> {
            out.releaseReads();
            if (!out.isClosing()) {
                joined(id, destination, since, receipt, failure == null ? answer
                        : JoinDecision.unavailable("the join could not be decided: " + failure));
            }
        }));
    }

    private void joined(String id, Destination destination, String since, String receipt, JoinDecision decision) {
        if (!decision.allowed()) {
            refuse(Code.of(decision.code()).orElse(Code.FORBIDDEN), decision.reason(), receipt);
            return;
        }
        session.allow(destination.room(), decision.can());
        register(id, destination, since, receipt);
    }

    /** Registers the subscription, resumes it when asked, and enters the room when it is one. */
    private void register(String id, Destination destination, String since, String receipt) {
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

    /** A SUBSCRIBE's own headers are the protocol's; the rest go to the join proxy as the client wrote them. */
    private static Map<String, String> proxyHeaders(StompHeaders headers) {
        Map<String, String> app = new HashMap<>();
        for (int i = 0; i < headers.size(); i++) {
            if (!SUBSCRIBE_HEADERS.contains(headers.name(i))) {
                app.putIfAbsent(headers.name(i), headers.value(i));
            }
        }
        return app.isEmpty() ? Map.of() : app;
    }

    /**
     * The members of a room the user is in, as one MESSAGE ({@code event:presence}, a JSON body like the HTTP
     * API's). Nothing is registered: the subscription ends with its answer, as Spring's
     * {@code @SubscribeMapping} replies do. Its {@code position} is the room stream's head when the list was
     * taken, so that a client applies only the {@code join}/{@code leave} events after it.
     */
    private void answerPresence(String id, Destination destination, String receipt) throws Refusal {
        String room = destination.room();
        if (!take(presenceQueries = bucket(presenceQueries, settings.maxPresenceRate, settings.maxPresenceBurst))) {
            refuseByRate("presence-rate", "asking who is in a room faster than " + settings.maxPresenceRate
                    + " a second (--max-presence-rate)", receipt);
            return;
        }
        require(Capability.PRESENCE, room);
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
        if (!take(subscribes = bucket(subscribes, settings.maxSubscribeRate, settings.maxSubscribeBurst))) {
            refuseByRate("subscribe-rate", "subscribing and unsubscribing faster than " + settings.maxSubscribeRate
                    + " a second (--max-subscribe-rate)", receipt);
            return;
        }
        Subscription sub = session.subscription(id);
        if (sub == null) {
            refuse(Code.UNKNOWN_SUBSCRIPTION, "no subscription with id '" + id + "'", receipt);
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
        if (!take(sends = bucket(sends, settings.maxSendRate, settings.maxSendBurst))) {
            node.metrics().dropped("rate-limited");
            refuseByRate("send-rate", "sending faster than " + settings.maxSendRate + " messages a second, in"
                    + " bursts of " + settings.maxSendBurst + " (--max-send-rate)", receipt);
            return;
        }
        CompletableFuture<Position> published;
        try {
            Destination destination = Destination.forSend(destinationText, settings.maxRoomLength);
            if (destination.kind() == Destination.Kind.TOKEN) {
                refresh(frame, receipt);
                return;
            }
            published = publish(destination, frame);
        } catch (Refusal r) {
            node.metrics().dropped(r.code().code());
            refuse(r, receipt);
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
            refuse(code, "the message was not published: " + cause.getMessage(), receipt);
        }));
    }

    private CompletableFuture<Position> publish(Destination destination, StompFrame frame) throws Refusal {
        String user = session.user();
        if (!node.rates().userSends().tryTake(user)) {
            node.metrics().limitTriggered("user-send-rate");
            throw new Refusal(Code.RATE_LIMITED, "user '" + user + "' is sending faster than "
                    + node.rates().userSends().rate() + " messages a second over all their connections"
                    + " (--max-user-send-rate); this message was not sent");
        }
        String contentType = frame.header("content-type");
        boolean whisper = destination.kind() == Destination.Kind.WHISPER;
        Map<String, String> headers = applicationHeaders(frame.headers(), whisper);
        if (!whisper) {
            String room = destination.room();
            require(Capability.POST, room);
            if (!node.rates().roomPosts().tryTake(room)) {
                node.metrics().limitTriggered("room-post-rate");
                throw new Refusal(Code.RATE_LIMITED, "room '" + room + "' gets posts faster than "
                        + node.rates().roomPosts().rate() + " a second from its members here (--max-room-post-rate);"
                        + " this message was not sent");
            }
            return node.outbox().post(user, room, contentType, headers, frame.body());
        }
        String room = frame.header("room");
        String to = frame.header("to");
        if (room == null || to == null || to.isEmpty()) {
            throw new Refusal(Code.MISSING_HEADER, "a whisper needs a 'room' header and a 'to' header");
        }
        Destination.room(room, settings.maxRoomLength);
        require(Capability.WHISPER, room);
        return node.outbox().whisper(user, to, room, contentType, headers, frame.body());
    }

    /**
     * With room permissions, this connection must have joined {@code room} with {@code what}. A connection that
     * has not joined it is left to the room rules (the outbox answers {@code not-a-member}).
     */
    private void require(Capability what, String room) throws Refusal {
        if (node.joinRules().checksCapabilities() && session.inRoom(room) && !session.may(what, room)) {
            throw forbidden(what, room);
        }
        if (node.joinRules().checksCapabilities() && !session.inRoom(room) && node.presence().contains(room,
                session.user())) {
            throw new Refusal(Code.FORBIDDEN, "this connection has not joined room '" + room + "': with room"
                    + " permissions, " + what.wireName() + " needs a SUBSCRIBE to " + Destination.ROOM_TOPIC_PREFIX
                    + room + " on the same connection");
        }
    }

    private static Refusal forbidden(Capability what, String room) {
        return new Refusal(Code.FORBIDDEN, "you may not " + what.wireName() + " in room '" + room + "': the access you"
                + " joined it with does not include '" + what.wireName() + "'");
    }

    /**
     * {@code SEND /app/token}: a fresh connection token in the body. It must name the same user; the connection
     * then ends when the new token does, and its grants apply to the rooms joined from now on.
     */
    private void refresh(StompFrame frame, String receipt) throws Refusal {
        if (node.jwt() == null || node.connectProxy() != null) {
            throw new Refusal(Code.UNSUPPORTED, "this node takes no tokens to refresh (--auth " + settings.auth
                    + "): connect again instead");
        }
        Principal fresh;
        try {
            fresh = node.jwt().principal(new String(frame.body(), StandardCharsets.UTF_8).trim());
        } catch (AuthenticationException e) {
            throw new Refusal(Code.INVALID_TOKEN, "the refresh was not accepted: " + e.getMessage());
        }
        if (!fresh.user().equals(session.user())) {
            throw new Refusal(Code.FORBIDDEN, "the refresh is for user '" + fresh.user() + "'; this connection is '"
                    + session.user() + "'");
        }
        session.refreshed(fresh);
        expireAt(fresh.expiresAt());
        Receipts.send(out, receipt, null);
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

    /**
     * Refuses a request on {@code /user/queue/errors}, and closes a connection that has earned more refusals than
     * its budget ({@code --max-refusal-rate}, {@code --max-refusal-burst}): a client that keeps being refused,
     * at whatever pace, is not listening.
     */
    private void refuse(Refusal r, String receipt) {
        refuse(r.code(), r.getMessage(), receipt);
    }

    private void refuse(Code code, String message, String receipt) {
        if (!take(refusals = bucket(refusals, settings.maxRefusalRate, settings.maxRefusalBurst))) {
            node.metrics().limitTriggered("refusals");
            fail(Disconnect.LIMIT, Code.RATE_LIMITED, "more than " + settings.maxRefusalBurst + " requests refused, faster than "
                    + settings.maxRefusalRate + " a second (--max-refusal-rate); the last: " + message,
                    WebSocketCloseStatus.POLICY_VIOLATION);
            return;
        }
        session.refuse(code, message, receipt);
    }

    /** A request past one of the connection's rates: refused, and counted under the limit's name. */
    private void refuseByRate(String limit, String why, String receipt) {
        node.metrics().limitTriggered(limit);
        refuse(Code.RATE_LIMITED, why + "; this request was not carried out", receipt);
    }

    /** {@code bucket}, or a full new one when there is none yet and the limit is on. */
    private static TokenBucket bucket(TokenBucket bucket, double rate, int burst) {
        return bucket != null || rate <= 0 ? bucket : new TokenBucket(rate, burst, System.nanoTime());
    }

    /** Takes a token; a limit that is off ({@code null} bucket) always has one. */
    private static boolean take(TokenBucket bucket) {
        return bucket == null || bucket.tryTake(System.nanoTime());
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
        if (expiry != null) {
            expiry.cancel(false);
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
