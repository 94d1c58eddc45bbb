package io.roomcast.stomp;

import io.roomcast.testing.CleanRun;
import net.jqwik.api.lifecycle.AfterContainer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tag;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Random and mutated bytes through the STOMP decoder, cut into random fragments. Whatever comes in, the outcome
 * is valid frames, possibly followed by one failed frame and then nothing: never an exception, never a buffer
 * left unreleased, and the same frames whichever way the bytes were cut.
 *
 * <p>CI runs each property with a fixed seed; {@code mvn -pl server test -Dgroups=fuzz-long -Dtest='*Fuzz*'}
 * runs the long random variant. Surefire runs them with Netty's leak detector on PARANOID.
 */
public class StompDecoderFuzzTest {
    static final CleanRun RUN = new CleanRun();

    static final StompLimits LIMITS = new StompLimits(2048, 1024, 12, 256);

    @Property(tries = 400, seed = "20261201")
    void anyBytesDecodeToFramesOrOneCleanFailure(@ForAll("streams") byte[] stream, @ForAll("cuts") List<Integer> cuts) throws Exception {
        check(stream, cuts);
    }

    @Property(tries = 20_000)
    @Tag("fuzz-long")
    void anyBytesDecodeToFramesOrOneCleanFailureLong(@ForAll("streams") byte[] stream, @ForAll("cuts") List<Integer> cuts) throws Exception {
        check(stream, cuts);
    }

    static void check(byte[] stream, List<Integer> cuts) throws Exception {
        RUN.check(() -> checkOnce(stream, cuts));
    }

    @AfterContainer
    static void recordRow() {
        RUN.recordIfClean("random and mutated byte streams (400 with a fixed seed): commands, escapes, "
                + "CR/LF, content-lengths off by -5..5, NULs, cut into random fragments",
                "decoded valid frames, or exactly one failed frame and nothing after it; the same "
                + "frames whatever the fragmentation; every buffer released", "StompDecoderFuzzTest");
    }

    static void checkOnce(byte[] stream, List<Integer> cuts) {
        List<String> whole = decode(stream, List.of());
        List<String> cutUp = decode(stream, cuts);
        assertThat(cutUp).as("the same frames whatever the fragmentation").isEqualTo(whole);
        for (int i = 0; i < whole.size(); i++) {
            if (whole.get(i).startsWith("FAILED")) {
                assertThat(i).as("a failed frame is the last thing decoded").isEqualTo(whole.size() - 1);
            }
        }
    }

    /** Decodes {@code stream} cut at {@code cuts}; returns each frame as text, and checks every buffer was released. */
    static List<String> decode(byte[] stream, List<Integer> cuts) {
        EmbeddedChannel channel = new EmbeddedChannel(new StompDecoder(LIMITS));
        List<ByteBuf> fed = new ArrayList<>();
        int from = 0;
        for (int cut : cuts.stream().map(c -> Math.min(c, stream.length)).sorted().distinct().toList()) {
            if (cut > from) {
                ByteBuf b = Unpooled.copiedBuffer(stream, from, cut - from);
                fed.add(b);
                channel.writeInbound(b);
                from = cut;
            }
        }
        if (from < stream.length) { // an empty copy is Unpooled's shared EMPTY_BUFFER, never released
            ByteBuf rest = Unpooled.copiedBuffer(stream, from, stream.length - from);
            fed.add(rest);
            channel.writeInbound(rest);
        }
        channel.checkException();
        List<String> frames = new ArrayList<>();
        Object o;
        while ((o = channel.readInbound()) != null) {
            assertThat(o).isInstanceOf(StompFrame.class);
            StompFrame f = (StompFrame) o;
            if (f.isFailed()) {
                assertThat(f.failure()).isNotBlank();
                frames.add("FAILED");
            } else {
                assertThat(f.command()).isNotNull();
                assertThat(f.body().length).isLessThanOrEqualTo(LIMITS.maxBodyBytes());
                frames.add(f.command() + " " + f.headers() + " " + new String(f.body(), StandardCharsets.ISO_8859_1));
            }
        }
        channel.finishAndReleaseAll();
        for (ByteBuf b : fed) {
            assertThat(b.refCnt()).as("input buffer released").isZero();
        }
        return frames;
    }

    @Provide
    Arbitrary<List<Integer>> cuts() {
        return Arbitraries.integers().between(0, 3000).list().ofMaxSize(12);
    }

    @Provide
    Arbitrary<byte[]> streams() {
        return Arbitraries.oneOf(
                frame().list().ofMinSize(1).ofMaxSize(4).map(StompDecoderFuzzTest::concat),
                frame().list().ofMinSize(1).ofMaxSize(4).map(StompDecoderFuzzTest::concat).flatMap(this::mutate),
                Arbitraries.bytes().array(byte[].class).ofMaxSize(600),
                Arbitraries.of((byte) 0, (byte) '\n', (byte) '\r', (byte) ':', (byte) '\\', (byte) 'A')
                        .array(byte[].class).ofMaxSize(300));
    }

    /** One frame as a client might write it: any command, escaped headers, a body, right or wrong lengths. */
    public static Arbitrary<byte[]> frame() {
        Arbitrary<String> command = Arbitraries.of("CONNECT", "STOMP", "SEND", "SUBSCRIBE", "UNSUBSCRIBE", "ACK",
                "NACK", "BEGIN", "COMMIT", "ABORT", "DISCONNECT", "MESSAGE", "ERROR", "send", "", "X");
        Arbitrary<String> text = Arbitraries.strings().withChars("ab:\\nrc\r\n\0é€").ofMaxLength(40);
        Arbitrary<String> header = Combinators.combine(text, text).as((k, v) -> k + ":" + v);
        Arbitrary<List<String>> headers = header.list().ofMaxSize(14);
        Arbitrary<byte[]> body = Arbitraries.bytes().array(byte[].class).ofMaxSize(1100);
        Arbitrary<Integer> lengthSkew = Arbitraries.oneOf(Arbitraries.just(0), Arbitraries.integers().between(-5, 5),
                Arbitraries.just(Integer.MIN_VALUE));
        Arbitrary<Boolean> crlf = Arbitraries.of(true, false);
        return Combinators.combine(command, headers, body, lengthSkew, crlf).as((c, hs, b, skew, cr) -> {
            String eol = cr ? "\r\n" : "\n";
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            StringBuilder head = new StringBuilder(c).append(eol);
            for (String h : hs) {
                head.append(h).append(eol);
            }
            if (skew != Integer.MIN_VALUE) {
                head.append("content-length:").append(b.length + skew).append(eol);
            }
            head.append(eol);
            out.writeBytes(head.toString().getBytes(StandardCharsets.UTF_8));
            out.writeBytes(b);
            out.write(0);
            if (cr) {
                out.writeBytes(eol.getBytes(StandardCharsets.UTF_8)); // heart-beat EOLs between frames
            }
            return out.toByteArray();
        });
    }

    Arbitrary<byte[]> mutate(byte[] bytes) {
        if (bytes.length == 0) {
            return Arbitraries.just(bytes);
        }
        Arbitrary<Integer> at = Arbitraries.integers().between(0, bytes.length - 1);
        Arbitrary<Byte> value = Arbitraries.bytes();
        return Combinators.combine(at, value, Arbitraries.integers().between(0, 2)).as((i, v, kind) -> {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            switch (kind) {
                case 0 -> { // flip one byte
                    byte[] copy = bytes.clone();
                    copy[i] = v;
                    return copy;
                }
                case 1 -> { // truncate
                    out.write(bytes, 0, i);
                    return out.toByteArray();
                }
                default -> { // insert
                    out.write(bytes, 0, i);
                    out.write(v);
                    out.write(bytes, i, bytes.length - i);
                    return out.toByteArray();
                }
            }
        });
    }

    static byte[] concat(List<byte[]> parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        parts.forEach(out::writeBytes);
        return out.toByteArray();
    }
}
