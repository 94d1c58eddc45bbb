package io.roomcast.delivery;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.roomcast.bus.Envelope;
import io.roomcast.bus.Position;
import io.roomcast.bus.Published;
import io.roomcast.bus.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The frames shared across a loop's subscribers are valid WebSocket frames that a real decoder reads back
 * (every length form), subscribers with the same prefix share one buffer, and every buffer is released (the
 * suite runs with Netty's paranoid leak detector).
 */
class SharedFramesTest {
    private static EncodedMessage message(int bodyLength) {
        byte[] body = "x".repeat(bodyLength).getBytes(StandardCharsets.UTF_8);
        return EncodedMessage.encode(ByteBufAllocator.DEFAULT, new Published(new Position("e", 1, 7),
                new Envelope(Stream.room("r"), Envelope.MESSAGE, "alice", "r", null, "text/plain", Map.of(), body), 0));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 200, 70_000})
    void aSharedFrameDecodesToThePrefixAndTheTail(int bodyLength) {
        EncodedMessage m = message(bodyLength);
        SharedFrames frames = new SharedFrames();
        frames.reset(m);
        byte[] prefix = "MESSAGE\nsubscription:sub-0\ndestination:/topic/room.r\n".getBytes(StandardCharsets.UTF_8);
        ByteBuf frame = frames.frameFor(prefix, ByteBufAllocator.DEFAULT);
        int tailLength = m.tail().readableBytes();
        frames.release();
        m.release();
        // A client-side decoder (no masking expected from a server) reads it back.
        EmbeddedChannel client = new EmbeddedChannel(new WebSocket13FrameDecoder(false, false, 1 << 20));
        client.writeInbound(frame);
        WebSocketFrame decoded = client.readInbound();
        try {
            assertThat(decoded).isInstanceOf(TextWebSocketFrame.class);
            assertThat(decoded.isFinalFragment()).isTrue();
            String text = decoded.content().toString(StandardCharsets.UTF_8);
            assertThat(text).startsWith("MESSAGE\nsubscription:sub-0\ndestination:/topic/room.r\nmessage-id:e.1.7\n")
                    .endsWith("x".repeat(Math.min(bodyLength, 10)) + "\0");
            assertThat(text).hasSize(prefix.length + tailLength);
        } finally {
            decoded.release();
            client.finishAndReleaseAll();
        }
    }

    @Test
    void subscribersWithTheSamePrefixShareOneBufferAndADifferentPrefixGetsItsOwn() {
        EncodedMessage m = message(10);
        SharedFrames frames = new SharedFrames();
        frames.reset(m);
        byte[] a1 = "MESSAGE\nsubscription:sub-0\ndestination:/topic/room.r\n".getBytes(StandardCharsets.UTF_8);
        byte[] a2 = a1.clone(); // equal content, another array: as two clients' subscriptions
        byte[] b = "MESSAGE\nsubscription:sub-1\ndestination:/topic/room.r\n".getBytes(StandardCharsets.UTF_8);
        ByteBuf f1 = frames.frameFor(a1, ByteBufAllocator.DEFAULT);
        ByteBuf f2 = frames.frameFor(a2, ByteBufAllocator.DEFAULT);
        // Shared memory: a byte changed through one view shows through the other (leak-detection wrappers
        // make object identity useless here).
        f1.setByte(f1.writerIndex() - 2, 'y');
        assertThat(f2.getByte(f2.writerIndex() - 2)).isEqualTo((byte) 'y');
        ByteBuf f3 = frames.frameFor(b, ByteBufAllocator.DEFAULT);
        assertThat(f3.getByte(f3.writerIndex() - 2)).isEqualTo((byte) 'x');
        assertThat(f3.toString(StandardCharsets.UTF_8)).contains("subscription:sub-1");
        frames.release();
        m.release();
        // Each writer's view is its own reference: releasing it (as the socket does once written) frees it,
        // and the shared frame goes with the last one (the leak detector, paranoid here, would report it).
        assertThat(f1.release()).isTrue();
        assertThat(f2.release()).isTrue();
        assertThat(f3.release()).isTrue();
    }
}
