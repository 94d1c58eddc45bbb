package io.roomcast.stomp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.roomcast.refusal.Refusal.Code;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.stream.Stream;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The STOMP decoder through Netty's EmbeddedChannel: good frames, odd framing, and each malformed kind. */
class StompDecoderTest {
    private final EmbeddedChannel channel = new EmbeddedChannel(new StompDecoder(new StompLimits(1024, 512, 8, 128)));

    private static ByteBuf bytes(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.UTF_8);
    }

    private List<StompFrame> feed(String... chunks) {
        for (String c : chunks) {
            channel.writeInbound(bytes(c));
        }
        List<StompFrame> frames = new ArrayList<>();
        StompFrame f;
        while ((f = channel.readInbound()) != null) {
            frames.add(f);
        }
        return frames;
    }

    @Test
    void decodesCommandHeadersAndBody() {
        List<StompFrame> frames = feed("SEND\ndestination:/app/room.a\nreceipt:7\n\nhello\0");
        assertThat(frames).hasSize(1);
        StompFrame f = frames.get(0);
        assertThat(f.isFailed()).isFalse();
        assertThat(f.command()).isEqualTo(StompCommand.SEND);
        assertThat(f.header("destination")).isEqualTo("/app/room.a");
        assertThat(f.header("receipt")).isEqualTo("7");
        assertThat(f.bodyText()).isEqualTo("hello");
    }

    @Test
    void contentLengthAllowsNulInTheBody() {
        StompFrame f = feed("SEND\ndestination:d\ncontent-length:5\n\na\0b\0c\0").get(0);
        assertThat(f.body()).containsExactly('a', 0, 'b', 0, 'c');
    }

    @Test
    void crlfLineEndingsAreAccepted() {
        StompFrame f = feed("SEND\r\ndestination:d\r\n\r\nx\0").get(0);
        assertThat(f.header("destination")).isEqualTo("d");
        assertThat(f.bodyText()).isEqualTo("x");
    }

    @Test
    void headerEscapesAreDecodedExceptInConnect() {
        StompFrame send = feed("SEND\ndestination:d\nnote:a\\cb\\nc\\\\d\\r\n\n\0").get(0);
        assertThat(send.header("note")).isEqualTo("a:b\nc\\d\r");
        StompFrame connect = feed("CONNECT\nlogin:a\\cb\n\n\0").get(0);
        assertThat(connect.header("login")).isEqualTo("a\\cb");
    }

    @Test
    void repeatedHeaderFirstValueWins() {
        StompFrame f = feed("SEND\ndestination:first\ndestination:second\n\n\0").get(0);
        assertThat(f.header("destination")).isEqualTo("first");
    }

    @Test
    void severalFramesInOneBufferAndHeartBeatsBetween() {
        List<StompFrame> frames = feed("\n\nSEND\ndestination:a\n\n1\0\r\nSEND\ndestination:b\n\n2\0\n");
        assertThat(frames).extracting(StompFrame::bodyText).containsExactly("1", "2");
    }

    @Test
    void aFrameSplitAtEveryByteIsReassembled() {
        String frame = "SEND\ndestination:d\ncontent-length:3\n\nabc\0";
        List<StompFrame> frames = new ArrayList<>();
        for (char c : frame.toCharArray()) {
            frames.addAll(feed(String.valueOf(c)));
        }
        assertThat(frames).hasSize(1);
        assertThat(frames.get(0).bodyText()).isEqualTo("abc");
    }

    @Test
    void aFrameWithoutContentLengthSplitAcrossChunks() {
        List<StompFrame> frames = feed("SEND\ndestin", "ation:d\n", "\nhel", "lo", "\0");
        assertThat(frames).extracting(StompFrame::bodyText).containsExactly("hello");
    }

    @Test
    void nothingIsHeldBetweenFrames() {
        feed("SEND\ndestination:d\n\nx\0");
        assertThat(channel.finishAndReleaseAll()).isFalse();
    }

    static Stream<Arguments> malformed() {
        return Stream.of(
                Arguments.of("unknown command", "HELLO\n\n\0", "unknown command"),
                Arguments.of("lower-case command", "send\ndestination:d\n\n\0", "unknown command"),
                Arguments.of("header without colon", "SEND\ndestination\n\n\0", "without a colon"),
                Arguments.of("empty header name", "SEND\n:value\n\n\0", "empty name"),
                Arguments.of("invalid escape", "SEND\nx:\\t\n\n\0", "invalid escape"),
                Arguments.of("escape at end of value", "SEND\nx:ab\\\n\n\0", "invalid escape"),
                Arguments.of("content-length not a number", "SEND\ncontent-length:abc\n\n\0", "not a number"),
                Arguments.of("negative content-length", "SEND\ncontent-length:-1\n\n\0", "negative"),
                Arguments.of("content-length too big", "SEND\ncontent-length:600\n\n\0", "exceeds the limit of 512"),
                Arguments.of("no NUL after sized body", "SEND\ncontent-length:1\n\nab\0", "not followed by NUL"),
                Arguments.of("too many headers", "SEND\n" + "h:1\n".repeat(9) + "\n\0", "too many headers"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void malformedFramesFailWithAReason(String name, String input, String reason) {
        List<StompFrame> frames = feed(input);
        assertThat(frames).hasSize(1);
        assertThat(frames.get(0).isFailed()).isTrue();
        assertThat(frames.get(0).failure()).contains(reason);
    }

    @Test
    void aTooLongHeaderLineFails() {
        StompFrame f = feed("SEND\nx:" + "v".repeat(200) + "\n\n\0").get(0);
        assertThat(f.failure()).contains("exceeds the limit of 128");
    }

    @Test
    void aBodyWithoutNulThatOutgrowsTheLimitFailsBeforeItEnds() {
        StompFrame f = feed("SEND\ndestination:d\n\n" + "z".repeat(600)).get(0);
        assertThat(f.failure()).contains("exceeds");
    }

    @Test
    void headersThatNeverEndFailAtTheFrameLimit() {
        StompFrame f = feed("SEND\n" + "x:y\n".repeat(300)).get(0);
        assertThat(f.failure()).contains("maximum frame size of 1024");
    }

    /**
     * A frame of {@code total} bytes (command, headers, blank line, {@code bodyLength} body bytes and NUL) whose
     * header lines each stay within this decoder's 8 headers of 128 characters, so that only the frame-size
     * limit (1024) can refuse it.
     */
    private static String frameOf(int total, int bodyLength) {
        StringBuilder headers = new StringBuilder();
        int lines = total - "SEND\n".length() - "\n".length() - bodyLength - 1;
        for (int i = 0; lines > 0; i++) {
            int line = Math.min(lines, 120); // with its '\n'
            assertThat(line).as("a header line needs room for a name and a colon").isGreaterThanOrEqualTo(4);
            headers.append('h').append(i).append(':').append("v".repeat(line - 4)).append('\n');
            lines -= line;
        }
        String frame = "SEND\n" + headers + "\n" + "b".repeat(bodyLength) + "\0";
        assertThat(frame.getBytes(StandardCharsets.UTF_8)).hasSize(total);
        return frame;
    }

    /** Feeds {@code frame} whole, or one byte per write (as a client trickling it in would). */
    private List<StompFrame> feed(String frame, boolean whole) {
        return whole ? feed(frame) : feed(frame.chars().mapToObj(c -> String.valueOf((char) c)).toArray(String[]::new));
    }

    @ParameterizedTest(name = "whole: {0}")
    @ValueSource(booleans = {true, false})
    void aHeaderBlockOverTheFrameLimitFailsHoweverItArrives(boolean whole) {
        String frame = frameOf(1030, 0); // 8 header lines of at most 120 characters: only the frame is too big
        List<StompFrame> frames = feed(frame, whole);
        assertThat(frames).hasSize(1);
        assertThat(frames.get(0).failure()).contains("maximum frame size of 1024");
        assertThat(frames.get(0).failureCode()).isEqualTo(Code.TOO_LARGE);
    }

    @ParameterizedTest(name = "whole: {0}")
    @ValueSource(booleans = {true, false})
    void headersAndABodyWithinTheirLimitsButOverTheFrameLimitTogetherFail(boolean whole) {
        List<StompFrame> frames = feed(frameOf(1025, 500), whole);
        assertThat(frames).hasSize(1);
        assertThat(frames.get(0).failure()).contains("maximum frame size of 1024");
        assertThat(frames.get(0).failureCode()).isEqualTo(Code.TOO_LARGE);
    }

    @ParameterizedTest(name = "whole: {0}")
    @ValueSource(booleans = {true, false})
    void aFrameOfExactlyTheLimitIsDecoded(boolean whole) {
        List<StompFrame> frames = feed(frameOf(1024, 500), whole);
        assertThat(frames).hasSize(1);
        assertThat(frames.get(0).isFailed()).as(frames.get(0).toString()).isFalse();
        assertThat(frames.get(0).body()).hasSize(500);
    }

    @Test
    void aSizedFrameOverTheFrameLimitFails() {
        String frame = frameOf(1025, 500);
        String sized = frame.replaceFirst("\n\n", "\ncontent-length:500\n\n");
        StompFrame f = feed(sized).get(0);
        assertThat(f.failure()).contains("maximum frame size of 1024");
        assertThat(f.failureCode()).isEqualTo(Code.TOO_LARGE);
    }

    @Test
    void aMalformedFrameIsABadRequest() {
        assertThat(feed("HELLO\n\n\0").get(0).failureCode()).isEqualTo(Code.BAD_REQUEST);
    }

    @Test
    void tooManyHeadersIsTooLarge() {
        assertThat(feed("SEND\n" + "h:1\n".repeat(9) + "\n\0").get(0).failureCode()).isEqualTo(Code.TOO_LARGE);
    }

    @Test
    void afterAFailureEverythingIsDiscarded() {
        List<StompFrame> frames = feed("BAD\n\n\0SEND\ndestination:d\n\nx\0");
        assertThat(frames).hasSize(1);
        assertThat(frames.get(0).isFailed()).isTrue();
        assertThat(feed("SEND\ndestination:d\n\nx\0")).isEmpty();
    }
}
