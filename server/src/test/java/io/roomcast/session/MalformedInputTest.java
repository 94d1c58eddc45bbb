package io.roomcast.session;

import io.roomcast.auth.Tokens;
import io.roomcast.config.Settings;
import io.roomcast.testing.RawStomp;
import io.roomcast.testing.Reliability;
import io.roomcast.testing.SpringStomp;
import io.roomcast.testing.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static io.roomcast.testing.RawStomp.body;
import static io.roomcast.testing.RawStomp.header;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Raw bytes over a real WebSocket. Each bad input ends with an ERROR frame and a close, while a bystander
 * on the same node keeps chatting.
 */
class MalformedInputTest {
    static final String SECRET = "0123456789abcdef0123456789abcdef-test";
    static TestNode node;
    static SpringStomp bystander;

    @BeforeAll
    static void start() {
        node = TestNode.start(s -> {
            s.auth = Settings.AuthMode.jwt;
            s.jwtSecret = SECRET;
            s.maxFrameBytes = 8192;
            s.maxBodyBytes = 4096;
            s.maxHeaders = 16;
        });
        org.springframework.messaging.simp.stomp.StompHeaders h = new org.springframework.messaging.simp.stomp.StompHeaders();
        h.setPasscode(token("bystander"));
        bystander = SpringStomp.connect(node.wsUrl(), h, new long[] {0, 0});
        bystander.subscribe("room", "/topic/room.calm");
    }

    @AfterAll
    static void stop() {
        bystander.close();
        node.close();
    }

    static String token(String user) {
        return Tokens.forUser(user, Duration.ofMinutes(5)).rooms(java.util.List.of("*")).hs256(SECRET);
    }

    static RawStomp connected(String user) {
        RawStomp raw = RawStomp.open(node);
        raw.send("CONNECT\naccept-version:1.2\nhost:x\npasscode:" + token(user) + "\n\n\0");
        assertThat(raw.next()).startsWith("CONNECTED\n");
        return raw;
    }

    /**
     * Sends {@code input} and expects ERROR naming {@code reason}, then a close; the bystander is unaffected.
     * Records the row for docs/reliability.md.
     */
    private static String expectErrorAndClose(String fault, RawStomp raw, String input, String reason) {
        raw.send(input);
        String error = raw.next("ERROR");
        assertThat(header(error, "message")).contains(reason);
        int code = raw.awaitClose();
        assertThat(code).isIn(1002, 1008);
        bystanderStillChats();
        String said = body(error).replaceAll("\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z", "<time>"); // stable rows
        Reliability.record("Malformed input", fault, "ERROR frame: \"" + said + "\"; WebSocket close " + code, "a bystander on the same node kept chatting; its messages arrived as before",
                "nothing: the frame was refused before anything was published", "MalformedInputTest");
        return error;
    }

    private static void bystanderStillChats() {
        String text = "still fine " + System.nanoTime();
        bystander.send("/app/room.calm", text);
        assertThat(bystander.nextEvent("room", "message").body()).isEqualTo(text);
    }

    @Test
    void garbageIsAProtocolError() {
        try (RawStomp raw = RawStomp.open(node)) {
            expectErrorAndClose("an unknown command", raw, "HELLO THERE\n\n\0", "unknown command");
        }
    }

    @Test
    void sendBeforeConnectIsAProtocolError() {
        try (RawStomp raw = RawStomp.open(node)) {
            String error = expectErrorAndClose("SEND before CONNECT", raw, "SEND\ndestination:/app/room.calm\n\nhi\0",
                    "expected CONNECT");
            assertThat(header(error, "error")).isEqualTo("bad-request");
        }
    }

    @Test
    void oversizeBodyIsAProtocolError() {
        try (RawStomp raw = connected("big")) {
            String error = expectErrorAndClose("a body over --max-body-bytes (content-length 5000)", raw, "SEND\ndestination:/app/room.calm\ncontent-length:5000\n\n"
                    + "x".repeat(5000) + "\0", "exceeds the limit of 4096");
            assertThat(body(error)).contains("4096");
            assertThat(header(error, "error")).isEqualTo("too-large");
        }
    }

    @Test
    void oversizeFrameWithoutContentLengthIsAProtocolError() {
        try (RawStomp raw = connected("big2")) {
            expectErrorAndClose("a frame over --max-frame-bytes without content-length", raw, "SEND\ndestination:/app/room.calm\n\n" + "y".repeat(9000), "exceeds");
        }
    }

    /**
     * 12 KB of headers, each line within --max-header-length (4096) and their number within --max-headers (16),
     * so that only --max-frame-bytes (8192) can refuse the frame: sent in one WebSocket message, or in two
     * continuation frames of which each holds less than the limit. From a member of the room, so that a frame
     * let through would be fanned out: the bystander's next message (the fence in bystanderStillChats) would be
     * it.
     */
    @ParameterizedTest(name = "whole: {0}")
    @ValueSource(booleans = {true, false})
    void aHeaderBlockOverTheFrameLimitIsRefusedHoweverItArrives(boolean whole) {
        try (RawStomp raw = connected("bulky")) {
            raw.send("SUBSCRIBE\nid:r\ndestination:/topic/room.calm\nreceipt:in\n\n\0");
            assertThat(header(raw.next("RECEIPT"), "receipt-id")).isEqualTo("in");
            StringBuilder frame = new StringBuilder("SEND\ndestination:/app/room.calm\n");
            for (int i = 0; i < 3; i++) {
                frame.append("x-pad").append(i).append(':').append("p".repeat(4000)).append('\n');
            }
            String f = frame.append("\nbulky\0").toString();
            if (whole) {
                raw.send(f);
            } else {
                raw.sendFragmented(f.substring(0, 6000), f.substring(6000));
            }
            String error = raw.next("ERROR");
            assertThat(header(error, "error")).isEqualTo("too-large");
            assertThat(header(error, "message")).contains("maximum frame size of 8192");
            int code = raw.awaitClose();
            assertThat(code).isIn(1002, 1008);
            bystanderStillChats();
            Reliability.record("Malformed input", "12 KB of headers (each line and their count within the limits)"
                    + " over --max-frame-bytes 8192, " + (whole ? "in one WebSocket message" : "in two continuation"
                    + " frames"), "ERROR error:too-large (\"" + header(error, "message") + "\"); WebSocket close "
                    + code, "a bystander in the same room kept chatting and never got the frame",
                    "nothing: the frame was refused before anything was published", "MalformedInputTest");
        }
    }

    @Test
    void headerFloodIsAProtocolError() {
        try (RawStomp raw = connected("flood")) {
            StringBuilder frame = new StringBuilder("SEND\ndestination:/app/room.calm\n");
            for (int i = 0; i < 40; i++) {
                frame.append("h").append(i).append(":v\n");
            }
            expectErrorAndClose("40 headers (over --max-headers)", raw, frame.append("\nx\0").toString(), "too many headers");
        }
    }

    @Test
    void invalidEscapeIsAProtocolError() {
        try (RawStomp raw = connected("escape")) {
            expectErrorAndClose("an invalid header escape (\\t)", raw, "SEND\ndestination:/app/room.calm\nbad:\\t\n\nx\0", "invalid escape");
        }
    }

    @Test
    void missingTokenIsRefused() {
        try (RawStomp raw = RawStomp.open(node)) {
            String error = expectErrorAndClose("CONNECT without a token (jwt mode)", raw,
                    "CONNECT\naccept-version:1.2\nhost:x\n\n\0", "missing token");
            assertThat(header(error, "error")).isEqualTo("unauthorized");
        }
    }

    @Test
    void badTokenIsRefused() {
        try (RawStomp raw = RawStomp.open(node)) {
            String forged = Tokens.hs256("another-secret-that-is-long-enough-123", "mallory", Duration.ofMinutes(5));
            expectErrorAndClose("a token signed with another key", raw, "CONNECT\naccept-version:1.2\nhost:x\npasscode:" + forged + "\n\n\0",
                    "signature is invalid");
        }
    }

    @Test
    void expiredTokenIsRefused() {
        try (RawStomp raw = RawStomp.open(node)) {
            String expired = Tokens.hs256(SECRET, "late", Duration.ofMinutes(-5));
            expectErrorAndClose("an expired token", raw, "CONNECT\naccept-version:1.2\nhost:x\nAuthorization:Bearer " + expired
                    + "\n\n\0", "token expired");
        }
    }

    @Test
    void malformedTokenIsRefused() {
        try (RawStomp raw = RawStomp.open(node)) {
            expectErrorAndClose("a malformed token", raw, "CONNECT\naccept-version:1.2\nhost:x\npasscode:not.a.jwt\n\n\0",
                    "token is invalid");
        }
    }

    @Test
    void serverFramesFromAClientAreAProtocolError() {
        try (RawStomp raw = connected("faker")) {
            expectErrorAndClose("a server frame (MESSAGE) from a client", raw, "MESSAGE\ndestination:/topic/room.calm\n\nx\0", "server frame");
        }
    }

    @Test
    void plainTcpGarbageGetsABadRequest() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", node.port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write("\u0001\u0002garbage that is not HTTP\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            String response = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            assertThat(response).startsWith("HTTP/1.1 400").contains("\"error\":\"bad-request\"");
        }
        bystanderStillChats();
        Reliability.record("Malformed input", "bytes that are not HTTP on the node's port",
                "HTTP 400 with a JSON error (bad-request), then close", "a bystander kept chatting",
                "nothing", "MalformedInputTest");
    }

    @Test
    void severalFramesInOneWebSocketMessageAllWork() {
        try (RawStomp raw = connected("batcher")) {
            raw.send("SUBSCRIBE\nid:1\ndestination:/topic/room.batch\nreceipt:a\n\n\0"
                    + "\n" // a heart-beat between frames
                    + "SEND\ndestination:/app/room.batch\nreceipt:b\ncontent-length:5\n\nfirst\0"
                    + "SEND\ndestination:/app/room.batch\nreceipt:c\n\nsecond\0");
            assertThat(header(raw.next("RECEIPT"), "receipt-id")).isEqualTo("a");
            StringBuilder bodies = new StringBuilder();
            for (int i = 0; i < 3; i++) {
                String m = raw.next("MESSAGE");
                if ("message".equals(header(m, "event"))) {
                    bodies.append(body(m)).append(' ');
                }
            }
            assertThat(bodies.toString().trim()).isEqualTo("first second");
        }
    }

    @Test
    void aFrameSplitAcrossContinuationFramesWorks() {
        try (RawStomp raw = connected("splitter")) {
            raw.sendFragmented("SUBSCR", "IBE\nid:1\ndestination:/topic/ro", "om.split\nreceipt:r1\n", "\n\0");
            assertThat(header(raw.next("RECEIPT"), "receipt-id")).isEqualTo("r1");
            raw.sendFragmented("SEND\ndestination:/app/room.split\ncontent-length:11\n\nhel", "lo\0wo", "rld\0");
            String m;
            do {
                m = raw.next("MESSAGE");
            } while (!"message".equals(header(m, "event")));
            assertThat(body(m)).isEqualTo("hello\0world");
            assertThat(header(m, "content-length")).isEqualTo("11");
        }
    }

    @Test
    void headerEscapesRoundTrip() {
        try (RawStomp raw = connected("escaper")) {
            raw.send("SUBSCRIBE\nid:sub\\c1\ndestination:/topic/room.esc\nreceipt:r\n\n\0");
            raw.next("RECEIPT");
            raw.send("SEND\ndestination:/app/room.esc\nx-note:a\\cb\\nc\\\\d\n\nbody\0");
            String m;
            do {
                m = raw.next("MESSAGE");
            } while (!"message".equals(header(m, "event")));
            assertThat(header(m, "subscription")).isEqualTo("sub\\c1");
            assertThat(header(m, "x-note")).isEqualTo("a\\cb\\nc\\\\d");
        }
    }

    @Test
    void theNegotiatedSubprotocolIsStomp12() {
        try (RawStomp raw = RawStomp.open(node)) {
            assertThat(raw.subprotocol()).isEqualTo("v12.stomp");
        }
    }
}
