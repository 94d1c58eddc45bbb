package io.roomcast.session;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import io.roomcast.bus.Position;
import io.roomcast.bus.Stream;
import io.roomcast.config.Settings;
import io.roomcast.delivery.Outbound;
import io.roomcast.stomp.StompDecoder;
import io.roomcast.testing.LeakWatch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A resume racing live traffic, step by step and the same every run: the session handler of a node on a memory
 * bus, on a connection whose socket takes bytes only when the test's client reads. The replay pauses at the
 * connection's byte budget; between its parts the test publishes more messages and lets the client read.
 */
class CatchupTest {
    private static final int BUDGET = 4096;
    private static final String ROOM = "race";
    /** Makes each replayed MESSAGE a few hundred bytes: about ten fit in the budget. */
    private static final String PADDING = "x".repeat(120);
    private static final int MAX_STEPS = 500;
    private static final Duration DEADLINE = Duration.ofSeconds(20);

    private static LeakWatch leaks;

    private EmbeddedNode node;
    private Socket socket;
    private Client client;

    @BeforeAll
    static void watchLeaks() {
        leaks = new LeakWatch();
    }

    @AfterAll
    static void noLeaks() {
        try {
            leaks.assertNoLeaks();
        } finally {
            leaks.close();
        }
    }

    @AfterEach
    void end() {
        try {
            if (socket != null) {
                socket.loopsTurn();
                client.read(socket.clientReads());
                socket.close();
                socket.loopsTurn(); // the session ends: its leave is published and fanned out
                socket.finishAndReleaseAll();
            }
        } finally {
            if (client != null) {
                client.close();
            }
            if (node != null) {
                node.close();
            }
        }
    }

    @Test
    void messagesPublishedDuringAPausedReplayAppearExactlyOnceInOrderThenLive() {
        start(s -> { });
        String since = publish("before").toString();
        int backlog = 30;
        int total = 60;
        int published = 0;
        for (; published < backlog; published++) {
            publish(published);
        }
        String head = node.history().head(Stream.room(ROOM)).toString();
        connect("fay");
        subscribe(since);
        Subscription sub = subscription("fay");
        assertThat(sub.isReplaying()).as("the first part filled the budget; the replay waits for the client")
                .isTrue();

        int parts = 0;
        int publishedWhileReplaying = 0;
        long liveSeen = 0;
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        for (int step = 0; step < MAX_STEPS && !(published == total && client.receipt() != null
                && client.messageBodies().size() == total); step++) {
            assertThat(System.nanoTime()).as("step %d within %s", step, DEADLINE).isLessThan(deadline);
            // Every other step, two messages are published before the client reads (their fan-out is queued
            // ahead of the replay's next part), otherwise after it (behind it).
            boolean early = step % 2 == 1;
            if (early) {
                for (int i = 0; i < 2 && published < total; i++, published++) {
                    publishedWhileReplaying += sub.isReplaying() ? 1 : 0;
                    publish(published);
                }
            }
            int framesBefore = client.streamFrames().size();
            long liveBefore = liveSeen;
            client.read(socket.clientReads());
            liveSeen = (long) node.dispatcher().delivered(); // only this connection subscribes
            long replayedThisRead = client.streamFrames().size() - framesBefore - (liveSeen - liveBefore);
            if (replayedThisRead > 0) {
                parts++;
            }
            if (!early) {
                for (int i = 0; i < 2 && published < total; i++, published++) {
                    publishedWhileReplaying += sub.isReplaying() ? 1 : 0;
                    publish(published);
                }
            }
            socket.loopsTurn();
        }

        List<Frame> frames = client.frames("room");
        assertThat(frames).as("frames on the subscription").isNotEmpty();
        Frame recovery = frames.get(0);
        assertThat(recovery.header("event")).as("the first frame: %s", recovery).isEqualTo("recovery");
        assertThat(recovery.header("recovered")).isEqualTo("true");
        assertThat(recovery.header("position")).isEqualTo(head);

        List<Integer> expected = new ArrayList<>();
        for (int i = 0; i < total; i++) {
            expected.add(i);
        }
        assertThat(client.messageBodies()).as("every message once, in order").isEqualTo(expected);
        List<Long> offsets = client.streamFrames().stream()
                .map(f -> Position.parse(f.header("position")).offset()).toList();
        assertThat(offsets).as("the stream (the messages and fay's own join), no duplicate, in order")
                .isSorted().doesNotHaveDuplicates().hasSize(total + 1);
        assertThat(client.streamFrames().stream().filter(f -> "join".equals(f.header("event"))))
                .as("fay's join, once").hasSize(1);

        assertThat(client.receipt()).as("the receipt follows the replay").isNotNull();
        assertThat(client.receipt().header("position")).isNotNull();
        long afterReceipt = client.streamFramesAfterReceipt();
        assertThat(parts).as("replay parts the client read separately").isGreaterThanOrEqualTo(2);
        assertThat(publishedWhileReplaying).as("messages published while the replay was paused")
                .isGreaterThanOrEqualTo(1);
        assertThat(liveSeen).as("live deliveries after the replay caught up").isGreaterThanOrEqualTo(1);
        assertThat(afterReceipt).as("what came after the receipt came live, and only that")
                .isEqualTo(liveSeen);
        assertThat(sub.isReplaying()).isFalse();
        assertThat(socket.isOpen()).isTrue();
        assertThat(client.errors()).isEmpty();
    }

    @Test
    void aReplayThatTheWindowOutrunsIsClosedWithAReasonNeverWithAGap() {
        start(s -> s.historyMaxMessages = 24);
        String since = publish("before").toString();
        int backlog = 20;
        for (int i = 0; i < backlog; i++) {
            publish(i);
        }
        connect("gus");
        subscribe(since);
        assertThat(subscription("gus").isReplaying()).isTrue();
        client.read(socket.clientReads()); // the first part

        // While the client reads no further, the window moves past what the replay still needs.
        for (int i = backlog; i < backlog + 30; i++) {
            publish(i);
        }
        socket.loopsTurn();
        for (int step = 0; step < 10 && socket.isOpen(); step++) {
            client.read(socket.clientReads());
            socket.loopsTurn();
        }

        List<Frame> frames = client.frames("room");
        assertThat(frames).as("frames on the subscription").isNotEmpty();
        assertThat(frames.get(0).header("event")).isEqualTo("recovery");
        assertThat(frames.get(0).header("recovered")).isEqualTo("true");
        List<Integer> seen = client.messageBodies();
        for (int i = 0; i < seen.size(); i++) {
            assertThat(seen.get(i)).as("message %d of %s: what came is the start of the stream, with no gap", i,
                    seen).isEqualTo(i);
        }
        assertThat(seen).as("a part of the replay came before the window moved").isNotEmpty();
        assertThat(seen.size()).as("but not all of it").isLessThan(backlog);
        assertThat(client.errors()).as("one ERROR").hasSize(1);
        Frame error = client.errors().get(0);
        assertThat(error.header("message")).contains("fell behind").contains("resume again");
        assertThat(client.all().get(client.all().size() - 1)).as("the ERROR is the last frame").isEqualTo(error);
        assertThat(client.receipt()).as("no receipt: the replay never completed").isNull();
        assertThat(client.closeCode()).isEqualTo(WebSocketCloseStatus.TRY_AGAIN_LATER.code());
        assertThat(socket.isOpen()).isFalse();
    }

    // ---- the node, the connection and the client ----

    private void start(Consumer<Settings> customize) {
        Settings s = Settings.defaults();
        s.nodeId = "catchup";
        s.apiKey = "catchup-api-key-0123456789";
        s.partitions = 4;
        s.outboundQueueBytes = BUDGET;
        s.slowConsumerGrace = Duration.ofMinutes(1); // the test's time is frozen anyway
        customize.accept(s);
        s.validate();
        node = EmbeddedNode.start(s);
        socket = new Socket();
        socket.config().setWriteBufferWaterMark(new WriteBufferWaterMark(BUDGET / 2, BUDGET));
        socket.freezeTime();
        Outbound.attach(socket, new Outbound.Budget(BUDGET, s.slowConsumerGrace));
        socket.pipeline().addLast(new StompDecoder(s.stompLimits()),
                new StompSessionHandler(node.context(), "127.0.0.1", java.util.Map.of()));
        client = new Client();
    }

    private Position publish(Object text) {
        String body = text instanceof Integer ? text + ":" + PADDING : text.toString();
        return node.context().outbox().toRoom(ROOM, "backend", "text/plain", Map.of(),
                body.getBytes(StandardCharsets.UTF_8)).join();
    }

    private void connect(String user) {
        send("CONNECT\naccept-version:1.2\nhost:h\nlogin:" + user + "\n\n\0");
        client.read(socket.clientReads());
        assertThat(client.all()).extracting(Frame::command).containsExactly("CONNECTED");
    }

    /** SUBSCRIBE with {@code since}; handled at once, as a read from the socket is, with no queued task run. */
    private void subscribe(String since) {
        send("SUBSCRIBE\nid:room\ndestination:/topic/room." + ROOM + "\nsince:" + since
                + "\nreceipt:resumed\n\n\0");
    }

    private void send(String frame) {
        socket.pipeline().fireChannelRead(Unpooled.copiedBuffer(frame, StandardCharsets.UTF_8));
        socket.checkException();
    }

    private Subscription subscription(String user) {
        List<Session> sessions = node.context().sessions().sessionsOf(user);
        assertThat(sessions).hasSize(1);
        return sessions.get(0).subscription("room");
    }

    /**
     * The connection, on EmbeddedChannel, made to behave as a socket on a real event loop does:
     * <ul>
     *   <li>the kernel takes flushed bytes only when the client reads ({@link #clientReads}); until then they
     *       stay in the outbound buffer and count against the connection's budget;</li>
     *   <li>queued tasks run only in the loop's turn ({@link #loopsTurn}), one after another. EmbeddedChannel
     *       would otherwise run them inside any write or flush, in the middle of the code that wrote.</li>
     * </ul>
     */
    private static final class Socket extends EmbeddedChannel {
        private boolean clientReading;
        private boolean loopsTurn;
        private boolean runningTasks;

        @Override
        protected void doWrite(ChannelOutboundBuffer in) throws Exception {
            if (clientReading) {
                super.doWrite(in);
            }
        }

        @Override
        public void runPendingTasks() {
            if (loopsTurn && !runningTasks) {
                runningTasks = true;
                try {
                    super.runPendingTasks();
                } finally {
                    runningTasks = false;
                }
            }
        }

        /** Runs every queued task, and those they queue, as the event loop would before its next read. */
        void loopsTurn() {
            loopsTurn = true;
            try {
                runPendingTasks();
            } finally {
                loopsTurn = false;
            }
            checkException();
        }

        /** The client reads all that was flushed; returns it (WebSocket bytes, close frames), now the caller's. */
        List<Object> clientReads() {
            clientReading = true;
            try {
                flush();
            } finally {
                clientReading = false;
            }
            checkException();
            List<Object> taken = new ArrayList<>();
            for (Object m; (m = readOutbound()) != null; ) {
                taken.add(m);
            }
            return taken;
        }
    }

    /** One STOMP frame as the client read it. */
    record Frame(String command, Map<String, String> headers, String body) {
        String header(String name) {
            return headers.get(name);
        }
    }

    /** The client's side: a WebSocket decoder and every STOMP frame it read, in order. */
    private static final class Client implements AutoCloseable {
        private final EmbeddedChannel decoder = new EmbeddedChannel(new WebSocket13FrameDecoder(false, false, 1 << 20));
        private final List<Frame> frames = new ArrayList<>();
        private Integer closeCode;

        void read(List<Object> written) {
            for (Object m : written) {
                try {
                    if (m instanceof CloseWebSocketFrame close) {
                        assertThat(closeCode).as("one close frame").isNull();
                        closeCode = close.statusCode();
                    } else {
                        assertThat(closeCode).as("nothing after the close frame").isNull();
                        decode((ByteBuf) m);
                    }
                } finally {
                    ReferenceCountUtil.release(m);
                }
            }
        }

        private void decode(ByteBuf bytes) {
            decoder.writeInbound(bytes.retain());
            for (WebSocketFrame f; (f = decoder.readInbound()) != null; ) {
                try {
                    parse(f.content().toString(StandardCharsets.UTF_8));
                } finally {
                    f.release();
                }
            }
        }

        /** STOMP frames end at NUL; the EOLs between them are heart-beats. */
        private void parse(String text) {
            for (String raw : text.split("\0")) {
                String frame = raw.replaceFirst("^[\r\n]+", "");
                if (frame.isEmpty()) {
                    continue;
                }
                int headersEnd = frame.indexOf("\n\n");
                assertThat(headersEnd).as("a complete frame: %s", frame).isPositive();
                String[] lines = frame.substring(0, headersEnd).split("\n");
                Map<String, String> headers = new LinkedHashMap<>();
                for (int i = 1; i < lines.length; i++) {
                    int colon = lines[i].indexOf(':');
                    headers.putIfAbsent(lines[i].substring(0, colon), lines[i].substring(colon + 1));
                }
                frames.add(new Frame(lines[0], headers, frame.substring(headersEnd + 2)));
            }
        }

        List<Frame> all() {
            return frames;
        }

        List<Frame> frames(String subscription) {
            return frames.stream().filter(f -> subscription.equals(f.header("subscription"))).toList();
        }

        /** The subscription's messages of the room stream: everything but the recovery event. */
        List<Frame> streamFrames() {
            return frames("room").stream().filter(f -> !"recovery".equals(f.header("event"))).toList();
        }

        List<Integer> messageBodies() {
            return streamFrames().stream().filter(f -> "message".equals(f.header("event")))
                    .map(f -> Integer.parseInt(f.body().substring(0, f.body().indexOf(':')))).toList();
        }

        Frame receipt() {
            return frames.stream().filter(f -> f.command().equals("RECEIPT")).findFirst().orElse(null);
        }

        long streamFramesAfterReceipt() {
            int at = frames.indexOf(receipt());
            return frames.subList(at + 1, frames.size()).stream()
                    .filter(f -> "room".equals(f.header("subscription"))).count();
        }

        List<Frame> errors() {
            return frames.stream().filter(f -> f.command().equals("ERROR")).toList();
        }

        Integer closeCode() {
            return closeCode;
        }

        @Override
        public void close() {
            decoder.finishAndReleaseAll();
        }
    }
}
