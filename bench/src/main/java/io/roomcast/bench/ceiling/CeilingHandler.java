package io.roomcast.bench.ceiling;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.roomcast.bench.load.Frames;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

/** One connection to the ceiling server: CONNECT, SUBSCRIBE and SEND, read as little as routing needs. */
final class CeilingHandler extends SimpleChannelInboundHandler<WebSocketFrame> {
    private static final ByteBuf CONNECTED = Unpooled.unreleasableBuffer(Unpooled.directBuffer().writeBytes(
            "CONNECTED\nversion:1.2\nheart-beat:0,0\n\n\0".getBytes(StandardCharsets.UTF_8))).asReadOnly();
    private static final AtomicLong IDS = new AtomicLong();

    private final Rooms rooms;

    CeilingHandler(Rooms rooms) {
        this.rooms = rooms;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
        Frames.read(frame.content(), (kind, buf, commandStart, headersStart, bodyStart, end) -> {
            switch (buf.getByte(commandStart)) {
                case 'C' -> { // CONNECT
                    String login = Frames.header(buf, headersStart, bodyStart, "login");
                    if (login != null) {
                        rooms.user(login, ctx.channel());
                    }
                    ctx.writeAndFlush(new TextWebSocketFrame(CONNECTED.duplicate()), ctx.voidPromise());
                }
                case 'S' -> {
                    String destination = Frames.header(buf, headersStart, bodyStart, "destination");
                    if (buf.getByte(commandStart + 1) == 'U') { // SUBSCRIBE
                        rooms.subscribe(destination, ctx.channel());
                        String receipt = Frames.header(buf, headersStart, bodyStart, "receipt");
                        if (receipt != null) {
                            ctx.writeAndFlush(new TextWebSocketFrame(Unpooled.copiedBuffer(
                                    "RECEIPT\nreceipt-id:" + receipt + "\n\n\0", StandardCharsets.UTF_8)),
                                    ctx.voidPromise());
                        }
                    } else { // SEND
                        onSend(ctx, buf, headersStart, bodyStart, end, destination);
                    }
                }
                default -> {
                }
            }
        });
    }

    private void onSend(ChannelHandlerContext ctx, ByteBuf buf, int headersStart, int bodyStart, int end,
                        String destination) {
        if (destination == null) {
            return;
        }
        boolean whisper = destination.equals("/app/whisper");
        String topic = whisper ? "/user/queue/messages" : "/topic/" + destination.substring("/app/".length());
        byte[] head = ("MESSAGE\ndestination:" + topic + "\nsubscription:0\nmessage-id:" + IDS.incrementAndGet()
                + "\n\n").getBytes(StandardCharsets.UTF_8);
        ByteBuf message = ctx.alloc().directBuffer(head.length + end - bodyStart + 1);
        message.writeBytes(head).writeBytes(buf, bodyStart, end - bodyStart).writeByte(0);
        if (whisper) {
            rooms.whisper(Frames.header(buf, headersStart, bodyStart, "to"), message);
        } else {
            rooms.publish(topic, message);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        rooms.remove(ctx.channel());
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
