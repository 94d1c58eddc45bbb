package io.roomcast.delivery;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import io.roomcast.metrics.Disconnect;
import io.roomcast.stomp.StompCommand;
import io.roomcast.stomp.StompHeaders;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The one write path's budget, on Netty's EmbeddedChannel: frames written and not flushed stay pending there, as
 * frames a client doesn't read stay pending on a socket, and the test flushes to play a client that reads.
 */
class OutboundTest {
    private static final int BUDGET = 4096;
    private final EmbeddedChannel channel = new EmbeddedChannel();
    private final Outbound out = Outbound.attach(channel, new Outbound.Budget(BUDGET, Duration.ofSeconds(5)));

    OutboundTest() {
        channel.config().setWriteBufferWaterMark(new WriteBufferWaterMark(BUDGET / 2, BUDGET));
        // What the session handler does with writability changes.
        channel.pipeline().addLast(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelWritabilityChanged(ChannelHandlerContext ctx) {
                out.writabilityChanged();
            }
        });
        // As the session handler does: a write that fails because the connection closed is no news.
        channel.pipeline().addLast(new ChannelInboundHandlerAdapter() {
            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                assertThat(cause).isInstanceOf(java.nio.channels.ClosedChannelException.class);
            }
        });
        channel.freezeTime();
    }

    @AfterEach
    void release() {
        channel.finishAndReleaseAll();
    }

    private static ByteBuf frame(int bytes) {
        return Unpooled.buffer(bytes).writeZero(bytes);
    }

    @Test
    void aDeliveryToAClosedConnectionIsNotASlowConsumer() {
        channel.close();
        ByteBuf frame = frame(100);
        assertThat(out.deliver(frame)).isFalse();
        assertThat(frame.refCnt()).as("the frame is released").isZero();
        assertThat(out.closeReason()).as("nothing of the node's doing: the connection was already gone").isNull();
    }

    @Test
    void pastTheBudgetReadingStopsAndAfterTheGraceTheConnectionIsClosed() {
        assertThat(out.deliver(frame(BUDGET + 1))).isTrue();
        assertThat(out.isBackedUp()).isTrue();
        assertThat(channel.config().isAutoRead()).as("a client that doesn't read is not read").isFalse();
        assertThat(channel.isOpen()).as("within the grace").isTrue();

        channel.advanceTimeBy(5, TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();

        assertThat(channel.isOpen()).isFalse();
        assertThat(out.closeReason()).isEqualTo(Disconnect.SLOW_CONSUMER);
    }

    @Test
    void aConnectionThatDrainsWithinTheGraceIsReadAgain() {
        out.deliver(frame(BUDGET + 1));
        assertThat(channel.config().isAutoRead()).isFalse();

        out.flushDeliveries(); // the client reads
        channel.runPendingTasks();
        channel.advanceTimeBy(5, TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();

        assertThat(channel.config().isAutoRead()).isTrue();
        assertThat(out.isBackedUp()).isFalse();
        assertThat(channel.isOpen()).isTrue();
    }

    @Test
    void twiceTheBudgetClosesAtOnce() {
        out.deliver(frame(BUDGET + 1));
        assertThat(channel.isOpen()).isTrue();
        out.deliver(frame(BUDGET));

        assertThat(channel.isOpen()).isFalse();
        assertThat(out.closeReason()).isEqualTo(Disconnect.SLOW_CONSUMER);
    }

    @Test
    void theServersOwnFramesCountAgainstTheBudgetToo() {
        StompHeaders h = new StompHeaders().add("destination", "/user/queue/errors").add("error", "nope");
        byte[] body = new byte[300];
        for (int i = 0; i < 20 && !out.isBackedUp(); i++) {
            out.write(StompCommand.MESSAGE, h, body); // refusals the client never reads
        }
        assertThat(out.isBackedUp()).as("refusals fill the budget like deliveries").isTrue();
        assertThat(channel.config().isAutoRead()).isFalse();
    }

    @Test
    void aProducerWritesAPartAtATimeAsTheSocketDrains() {
        AtomicInteger written = new AtomicInteger();
        java.util.List<Integer> parts = new java.util.ArrayList<>();
        int total = 50;
        out.stream(o -> {
            int part = 0;
            while (o.hasRoom() && written.get() < total) {
                o.writeMessage(new byte[0], Unpooled.wrappedBuffer(new byte[500]), true);
                written.incrementAndGet();
                part++;
            }
            parts.add(part);
            return written.get() == total;
        });
        for (int round = 0; round < 100 && written.get() < total; round++) {
            drain(); // the client reads what was flushed; the producer goes on
        }
        assertThat(written.get()).isEqualTo(total);
        assertThat(parts).as("no part wrote past the budget by more than a frame").allMatch(n -> n <= BUDGET / 500 + 1)
                .hasSizeGreaterThan(total / (BUDGET / 500 + 1) - 1);
        assertThat(channel.isOpen()).isTrue();
    }

    @Test
    void aProducerThatStopsExactlyAtTheBudgetGoesOnOnceItDrains() {
        ByteBuf probe = frame(100);
        out.deliver(probe);
        long overhead = out.pending() - 100; // what Netty counts per queued write besides its bytes
        drain();
        int size = (int) (BUDGET / 8 - overhead); // eight writes reach the budget exactly
        AtomicInteger written = new AtomicInteger();
        int total = 40;
        out.stream(o -> {
            while (o.hasRoom() && written.get() < total) {
                o.deliver(frame(size));
                written.incrementAndGet();
            }
            return written.get() == total;
        });
        for (int round = 0; round < 100 && written.get() < total; round++) {
            drain();
        }
        assertThat(written.get()).as("a part that ends at the budget is not the end").isEqualTo(total);
    }

    @Test
    void theProducerBehindACancelledOneGoesOn() {
        Outbound.Producer waiting = o -> false; // a replay waiting for a read of the log
        AtomicInteger behind = new AtomicInteger();
        out.stream(waiting);
        out.stream(o -> {
            behind.incrementAndGet();
            return true;
        });
        assertThat(behind.get()).as("waits its turn").isZero();
        out.cancel(waiting); // the log read failed: the first replay ends unfinished
        assertThat(behind.get()).isEqualTo(1);
    }

    @Test
    void aCancelledProducerIsNotCalledAgain() {
        AtomicInteger calls = new AtomicInteger();
        Outbound.Producer waiting = o -> {
            calls.incrementAndGet();
            return false; // waiting for something else, as a replay waits for a read of the log
        };
        out.stream(waiting);
        out.wake();
        assertThat(calls.get()).isEqualTo(2);
        out.cancel(waiting);
        out.wake();
        drain();
        assertThat(calls.get()).isEqualTo(2);
    }

    @Test
    void aCloseThatTheClientDoesNotTakeIsCutAfterTheGrace() {
        // A socket that takes nothing: writes never complete, so the close frame's listener never closes it.
        java.util.List<Object> stuck = new java.util.ArrayList<>();
        channel.pipeline().addFirst(new io.netty.channel.ChannelOutboundHandlerAdapter() {
            @Override
            public void write(ChannelHandlerContext ctx, Object msg, io.netty.channel.ChannelPromise promise) {
                stuck.add(msg);
            }

            @Override
            public void flush(ChannelHandlerContext ctx) {
            }
        });
        out.close(Disconnect.PROTOCOL_ERROR, new StompHeaders().add("message", "bad"), "bad",
                io.netty.handler.codec.http.websocketx.WebSocketCloseStatus.PROTOCOL_ERROR, "bad");
        channel.advanceTimeBy(4, TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();
        assertThat(channel.isOpen()).as("within the grace").isTrue();

        channel.advanceTimeBy(1, TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();
        assertThat(channel.isOpen()).isFalse();
        assertThat(out.closeReason()).isEqualTo(Disconnect.PROTOCOL_ERROR);
        assertThat(stuck).as("an ERROR frame and a close frame were written").hasSize(2);
        stuck.forEach(ReferenceCountUtil::release);
    }

    @Test
    void closeReasonsAreCutTo123BytesOfUtf8AtACharacterBoundary() {
        String ascii = "x".repeat(200);
        assertThat(Outbound.truncated(ascii)).hasSize(123);
        String accented = "é".repeat(100); // two bytes each
        String cut = Outbound.truncated(accented);
        assertThat(cut.getBytes(java.nio.charset.StandardCharsets.UTF_8).length).isEqualTo(122);
        String emoji = "a" + "\uD83D\uDE00".repeat(40); // four bytes each, surrogate pairs
        String cutEmoji = Outbound.truncated(emoji);
        assertThat(cutEmoji.getBytes(java.nio.charset.StandardCharsets.UTF_8).length).isLessThanOrEqualTo(123);
        assertThat(Character.isHighSurrogate(cutEmoji.charAt(cutEmoji.length() - 1))).isFalse();
    }

    @Test
    void aClientsCloseIsAnsweredAndCountedAsTheClients() {
        out.answerClientClose(new CloseWebSocketFrame(1000, "bye"));
        Object answer = channel.readOutbound();
        try {
            assertThat(answer).isInstanceOf(CloseWebSocketFrame.class);
        } finally {
            ReferenceCountUtil.release(answer);
        }
        assertThat(out.clientClosed()).isTrue();
        assertThat(channel.isOpen()).isFalse();
    }

    /** Plays a client that reads everything flushed so far, then lets the loop run. */
    private void drain() {
        channel.flushOutbound();
        Object m;
        while ((m = channel.readOutbound()) != null) {
            ReferenceCountUtil.release(m);
        }
        channel.runPendingTasks();
    }
}
