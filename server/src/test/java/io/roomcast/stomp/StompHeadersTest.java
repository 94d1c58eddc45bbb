package io.roomcast.stomp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class StompHeadersTest {
    @Test
    void escapeAndUnescapeAreInverse() {
        String raw = "a:b\nc\rd\\e";
        assertThat(StompHeaders.escape(raw)).isEqualTo("a\\cb\\nc\\rd\\\\e");
        assertThat(StompHeaders.unescape(StompHeaders.escape(raw))).isEqualTo(raw);
        assertThat(StompHeaders.escape("plain")).isSameAs("plain");
    }

    @Test
    void undefinedEscapesAreRejected() {
        assertThat(StompHeaders.unescape("a\\tb")).isNull();
        assertThat(StompHeaders.unescape("trailing\\")).isNull();
    }

    @Test
    void encoderEscapesExceptOnConnectedAndAddsContentLength() {
        ByteBuf msg = StompEncoder.encode(UnpooledByteBufAllocator.DEFAULT, StompCommand.MESSAGE,
                new StompHeaders().add("k", "a:b"), new byte[] {'x', 0, 'y'});
        assertThat(msg.toString(StandardCharsets.ISO_8859_1)).isEqualTo("MESSAGE\nk:a\\cb\ncontent-length:3\n\nx\0y\0");
        msg.release();
        ByteBuf connected = StompEncoder.encode(UnpooledByteBufAllocator.DEFAULT, StompCommand.CONNECTED,
                new StompHeaders().add("k", "a:b"), new byte[0]);
        assertThat(connected.toString(StandardCharsets.ISO_8859_1)).isEqualTo("CONNECTED\nk:a:b\n\n\0");
        connected.release();
    }
}
