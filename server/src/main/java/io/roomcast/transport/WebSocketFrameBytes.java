package io.roomcast.transport;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageDecoder;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;

import java.util.List;

/**
 * Unwraps text, binary and continuation frames into their bytes, so that the STOMP decoder sees one byte
 * stream whatever the WebSocket framing was. Netty's protocol handler answers pings; a client's close frame
 * passes on to the session, which answers it (through the connection's one write path) and counts the
 * disconnect as the client's.
 */
@ChannelHandler.Sharable
final class WebSocketFrameBytes extends MessageToMessageDecoder<WebSocketFrame> {
    static final WebSocketFrameBytes INSTANCE = new WebSocketFrameBytes();

    @Override
    protected void decode(ChannelHandlerContext ctx, WebSocketFrame frame, List<Object> out) {
        if (frame instanceof TextWebSocketFrame || frame instanceof BinaryWebSocketFrame
                || frame instanceof ContinuationWebSocketFrame) {
            out.add(frame.content().retain());
        } else if (frame instanceof CloseWebSocketFrame) {
            out.add(frame.retain());
        }
    }
}
