package io.roomcast.bench.load;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class FramesTest {
    @Test
    void readsEveryFrameOfABatchedMessageWithHeartBeatsBetween() {
        String send = Frames.timedSend("/app/room.r", "", 7, 3);
        String body = send.substring(send.indexOf("\n\n") + 2, send.length() - 1);
        ByteBuf buf = Unpooled.copiedBuffer("\nMESSAGE\ndestination:/topic/room.r\nposition:e.1.5\n\n" + body + "\0\n"
                + "RECEIPT\nreceipt-id:r-1\n\n\0" + "CONNECTED\nversion:1.2\n\n\0", StandardCharsets.UTF_8);
        List<String> seen = new ArrayList<>();
        long[] timed = new long[2];
        Frames.read(buf, (kind, b, commandStart, headersStart, bodyStart, end) -> {
            seen.add(kind + (kind == Frames.Kind.MESSAGE ? " " + Frames.header(b, headersStart, bodyStart, "position")
                    + " " + Frames.timed(b, bodyStart, end, timed) : "")
                    + (kind == Frames.Kind.RECEIPT ? " " + Frames.header(b, headersStart, bodyStart, "receipt-id") : ""));
        });
        buf.release();
        assertThat(seen).containsExactly("MESSAGE e.1.5 true", "RECEIPT r-1", "CONNECTED");
        assertThat(timed[0]).isEqualTo(7);
        assertThat(timed[1]).isPositive().isLessThanOrEqualTo(System.nanoTime());
    }

    @Test
    void aBodyThatIsNotTimedIsNotMistakenForOne() {
        ByteBuf buf = Unpooled.copiedBuffer("MESSAGE\nevent:join\n\n\0", StandardCharsets.UTF_8);
        boolean[] timed = {true};
        Frames.read(buf, (kind, b, c, h, bodyStart, end) -> timed[0] = Frames.timed(b, bodyStart, end, new long[2]));
        buf.release();
        assertThat(timed[0]).isFalse();
    }

    @Test
    void subscribeCarriesSinceAndReceiptOnlyWhenGiven() {
        assertThat(Frames.subscribe("s", "/topic/room.a", null, null)).isEqualTo(
                "SUBSCRIBE\nid:s\ndestination:/topic/room.a\n\n\0");
        assertThat(Frames.subscribe("s", "/topic/room.a", "e.1.2", "r")).contains("since:e.1.2\n").contains("receipt:r\n");
    }
}
