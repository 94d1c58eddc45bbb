package io.roomcast.transport;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.roomcast.delivery.Outbound;

/**
 * Answers WebSocket pings through the connection's {@link Outbound}, ahead of Netty's protocol handler, which
 * would write its pong past the byte budget and read the client again while the node has stopped reading it.
 * Pongs (unsolicited or not) need no answer and are dropped.
 *
 * <p>Sharable: it keeps nothing per connection.
 */
@ChannelHandler.Sharable
final class Pings extends ChannelInboundHandlerAdapter {
    static final Pings INSTANCE = new Pings();

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof PingWebSocketFrame ping) {
            Outbound.of(ctx.channel()).pong(ping.content());
        } else if (msg instanceof PongWebSocketFrame pong) {
            pong.release();
        } else {
            ctx.fireChannelRead(msg);
        }
    }
}
