package io.roomcast.session;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.roomcast.config.Settings;
import io.roomcast.delivery.Outbound;
import io.roomcast.stomp.StompDecoder;
import io.roomcast.testing.LeakWatch;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tag;
import io.roomcast.testing.CleanRun;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Random sequences of client frames, valid and not, in any order, through the STOMP decoder and the session
 * handler of a real node (memory bus), on Netty's EmbeddedChannel. Each sequence ends with
 * {@code DISCONNECT receipt:final}, unless the sequence already ended the connection. Whatever came before, the
 * connection then ends cleanly: the last STOMP frame is that RECEIPT or the one ERROR, a close frame follows,
 * and the channel is closed. Nothing throws, the server
 * sends only server frames, and no buffer leaks (Netty's detector on PARANOID, checked after the run).
 */
class SessionFuzzTest {
    static final CleanRun RUN = new CleanRun();

    static EmbeddedNode embedded;
    static StompContext node;
    static LeakWatch leaks;
    static final Set<String> SERVER_FRAMES = Set.of("CONNECTED", "MESSAGE", "RECEIPT", "ERROR");

    @BeforeContainer
    static void start() {
        leaks = new LeakWatch();
        Settings s = Settings.defaults();
        s.nodeId = "fuzz";
        s.apiKey = "fuzz-api-key-0123456789";
        s.maxRoomsPerUser = 3;
        s.maxSubscriptions = 4;
        s.partitions = 4;
        s.validate();
        embedded = EmbeddedNode.start(s);
        node = embedded.context();
    }

    @AfterContainer
    static void stop() {
        try {
            embedded.close();
            leaks.assertNoLeaks();
        } finally {
            leaks.close();
        }
    }

    @Property(tries = 300, seed = "20261201")
    void everySequenceEndsCleanly(@ForAll("sequences") List<byte[]> frames) throws Exception {
        check(frames);
    }

    @Property(tries = 10_000)
    @Tag("fuzz-long")
    void everySequenceEndsCleanlyLong(@ForAll("sequences") List<byte[]> frames) throws Exception {
        check(frames);
    }

    static void check(List<byte[]> frames) throws Exception {
        RUN.check(() -> checkOnce(frames));
    }

    @AfterContainer
    static void recordRow() {
        RUN.recordIfClean("random sequences of up to 12 client frames, valid and not, in any order (300 "
                + "with a fixed seed), then DISCONNECT",
                "answered only with server frames; every sequence ended with the final RECEIPT or "
                + "one ERROR, a close frame and a closed channel; no exception, no leak (PARANOID)", "SessionFuzzTest");
    }

    static void checkOnce(List<byte[]> frames) {
        EmbeddedChannel channel = new EmbeddedChannel();
        Outbound.attach(channel, new Outbound.Budget(node.settings().outboundQueueBytes,
                node.settings().slowConsumerGrace));
        channel.pipeline().addLast(new StompDecoder(node.settings().stompLimits()),
                new StompSessionHandler(node, "127.0.0.1", java.util.Map.of()));
        List<ByteBuf> fed = new ArrayList<>();
        try {
            for (byte[] f : frames) {
                feed(channel, fed, f);
            }
            boolean probed = channel.isOpen(); // else the sequence itself ended the connection (DISCONNECT, ERROR)
            feed(channel, fed, "DISCONNECT\nreceipt:final\n\n\0".getBytes(StandardCharsets.UTF_8));
            channel.runPendingTasks();
            channel.checkException();

            List<String> commands = new ArrayList<>();
            boolean closeFrame = false;
            Object out;
            while ((out = channel.readOutbound()) != null) {
                try {
                    assertThat(closeFrame).as("nothing after the close frame").isFalse();
                    if (out instanceof CloseWebSocketFrame) {
                        closeFrame = true;
                    } else {
                        assertThat(out).as("every other frame is WebSocket bytes from the one framer")
                                .isInstanceOf(ByteBuf.class);
                        String text = text((ByteBuf) out);
                        if (!text.isBlank()) { // heart-beats are bare EOLs
                            commands.add(text.substring(0, text.indexOf('\n')) + (text.contains("receipt-id:final")
                                    ? " final" : ""));
                        }
                    }
                } finally {
                    ReferenceCountUtil.release(out);
                }
            }
            assertThat(commands).as("the server sent something before closing").isNotEmpty();
            for (String c : commands) {
                assertThat(SERVER_FRAMES).contains(c.split(" ")[0]);
            }
            String last = commands.get(commands.size() - 1);
            if (probed) {
                assertThat(last).as("the last frame: the final receipt, or an ERROR")
                        .matches("RECEIPT final|ERROR.*");
            }
            long errors = commands.stream().filter(c -> c.startsWith("ERROR")).count();
            assertThat(errors).as("at most one ERROR").isLessThanOrEqualTo(1);
            if (errors == 1) {
                assertThat(last).as("nothing after an ERROR").startsWith("ERROR");
            }
            assertThat(closeFrame).as("a close frame ends the connection").isTrue();
            assertThat(channel.isOpen()).as("the channel is closed").isFalse();
        } finally {
            channel.finishAndReleaseAll();
            for (ByteBuf b : fed) {
                assertThat(b.refCnt()).as("input released").isZero();
            }
        }
    }

    /** The text of one server frame, read back by a client's WebSocket decoder. */
    private static String text(ByteBuf frame) {
        EmbeddedChannel client = new EmbeddedChannel(new WebSocket13FrameDecoder(false, false, 1 << 20));
        try {
            client.writeInbound(frame.retain());
            WebSocketFrame decoded = client.readInbound();
            try {
                assertThat(client.<Object>readInbound()).as("one WebSocket frame per write").isNull();
                return decoded.content().toString(StandardCharsets.UTF_8);
            } finally {
                decoded.release();
            }
        } finally {
            client.finishAndReleaseAll();
        }
    }

    private static void feed(EmbeddedChannel channel, List<ByteBuf> fed, byte[] bytes) {
        if (!channel.isOpen() || bytes.length == 0) { // an empty copy is Unpooled's shared EMPTY_BUFFER
            return;
        }
        ByteBuf b = Unpooled.copiedBuffer(bytes);
        fed.add(b);
        channel.writeInbound(b);
        channel.runPendingTasks();
    }

    @Provide
    Arbitrary<List<byte[]>> sequences() {
        return step().list().ofMinSize(0).ofMaxSize(12);
    }

    /** One client step: a plausible frame with random parts, or random bytes. */
    static Arbitrary<byte[]> step() {
        Arbitrary<String> user = Arbitraries.of("ann", "bob", "", "a:b", "x\\y");
        Arbitrary<String> room = Arbitraries.of("r1", "r2", "r3", "r4", "", "bad room", "a".repeat(70), "r1\\c");
        Arbitrary<String> id = Arbitraries.of("1", "2", "3", "e", "");
        Arbitrary<String> since = Arbitraries.of("", "since:e.0.0\n", "since:nonsense\n", "since:x.1.5\n",
                "since:e.99.9999999999999\n");
        Arbitrary<String> receipt = Arbitraries.of("", "receipt:r\n");
        Arbitrary<String> destination = Combinators.combine(
                Arbitraries.of("/topic/room.", "/app/room.", "/app/presence.", "/user/queue/", "/topic/", "/x/", ""),
                room).as(String::concat);
        Arbitrary<String> text = Arbitraries.of(
                "CONNECT\naccept-version:1.2\nhost:h\nlogin:%s\n\n\0",
                "STOMP\naccept-version:1.0,1.1\nheart-beat:%s\n\n\0",
                "CONNECT\naccept-version:9.9\n\n\0",
                "SUBSCRIBE\nid:%s\ndestination:%s\n%s%s\n\0",
                "SUBSCRIBE\ndestination:%s\n\n\0",
                "UNSUBSCRIBE\nid:%s\n%s\n\0",
                "SEND\ndestination:%s\n%s\nhello\0",
                "SEND\ndestination:/app/whisper\nroom:%s\nto:%s\n%s\nhush\0",
                "SEND\n\n\0",
                "ACK\nid:%s\n\n\0", "NACK\n\n\0", "BEGIN\ntransaction:t\n\n\0", "DISCONNECT\n\n\0",
                "MESSAGE\n\n\0", "ERROR\n\n\0", "\n", "\r\n");
        Arbitrary<byte[]> plausible = Combinators.combine(text, user, id, destination, since, receipt, room)
                .as((t, u, i, d, s, r, rm) -> {
                    String f = switch (t.substring(0, t.indexOf('\n'))) {
                        case "CONNECT" -> t.contains("%s") ? String.format(t, u) : t;
                        case "STOMP" -> String.format(t, i.isEmpty() ? "0,0" : i + ",x");
                        case "SUBSCRIBE" -> t.startsWith("SUBSCRIBE\nid") ? String.format(t, i, d, s, r)
                                : String.format(t, d);
                        case "UNSUBSCRIBE" -> String.format(t, i, r);
                        case "SEND" -> t.contains("whisper") ? String.format(t, rm, u, r)
                                : t.contains("%s") ? String.format(t, d, r) : t;
                        case "ACK" -> String.format(t, i);
                        default -> t;
                    };
                    return f.getBytes(StandardCharsets.UTF_8);
                });
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(8, plausible),
                net.jqwik.api.Tuple.of(1, io.roomcast.stomp.StompDecoderFuzzTest.frame()),
                net.jqwik.api.Tuple.of(1, Arbitraries.bytes().array(byte[].class).ofMaxSize(80)));
    }
}
