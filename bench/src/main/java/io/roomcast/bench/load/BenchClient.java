package io.roomcast.bench.load;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

/**
 * One generated STOMP client: sends CONNECT once the WebSocket is up, then reports what arrives. It keeps the
 * last {@code position} of each subscription only when asked ({@code trackPositions}), since that costs a
 * header scan per message.
 */
public final class BenchClient extends SimpleChannelInboundHandler<WebSocketFrame> {
    private final String login;
    private final ClientListener listener;
    private final boolean trackPositions;
    private final CompletableFuture<BenchClient> connected = new CompletableFuture<>();
    private final long[] scratch = new long[2];
    private volatile Channel channel;
    private volatile String lastPosition;

    BenchClient(String login, ClientListener listener, boolean trackPositions) {
        this.login = login;
        this.listener = listener;
        this.trackPositions = trackPositions;
    }

    public String login() {
        return login;
    }

    public Channel channel() {
        return channel;
    }

    /** The position of the newest message seen (one subscription per client where this is used). */
    public String lastPosition() {
        return lastPosition;
    }

    CompletableFuture<BenchClient> connectedFuture() {
        return connected;
    }

    /** Writes a frame (from any thread) without flushing. */
    public void write(String frame) {
        channel.write(new TextWebSocketFrame(Unpooled.wrappedBuffer(frame.getBytes(StandardCharsets.UTF_8))),
                channel.voidPromise());
    }

    public void send(String frame) {
        channel.writeAndFlush(new TextWebSocketFrame(Unpooled.wrappedBuffer(frame.getBytes(StandardCharsets.UTF_8))),
                channel.voidPromise());
    }

    public void close() {
        Channel ch = channel;
        if (ch != null) {
            ch.close();
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        channel = ctx.channel();
        super.channelActive(ctx);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
            send(Frames.connect(login));
        } else if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_TIMEOUT) {
            connected.completeExceptionally(new IllegalStateException("WebSocket handshake timed out"));
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
        Frames.read(frame.content(), this::onFrame);
    }

    private void onFrame(Frames.Kind kind, ByteBuf buf, int commandStart, int headersStart, int bodyStart, int end) {
        switch (kind) {
            case MESSAGE -> {
                if (Frames.timed(buf, bodyStart, end, scratch)) {
                    listener.timed(this, (int) scratch[0], scratch[1], System.nanoTime());
                    if (trackPositions) {
                        lastPosition = Frames.header(buf, headersStart, bodyStart, "position");
                    }
                } else if (trackPositions) {
                    String event = Frames.header(buf, headersStart, bodyStart, "event");
                    String position = Frames.header(buf, headersStart, bodyStart, "position");
                    if (position != null) {
                        lastPosition = position;
                    }
                    if ("recovery".equals(event)) {
                        listener.recovery(this, "true".equals(Frames.header(buf, headersStart, bodyStart,
                                "recovered")));
                    }
                }
            }
            case CONNECTED -> {
                listener.connected(this);
                connected.complete(this);
            }
            case RECEIPT -> {
                String id = Frames.header(buf, headersStart, bodyStart, "receipt-id");
                if (trackPositions && lastPosition == null) {
                    lastPosition = Frames.header(buf, headersStart, bodyStart, "position");
                }
                listener.receipt(this, id);
            }
            case ERROR -> {
                String message = Frames.header(buf, headersStart, bodyStart, "message");
                listener.error(this, message);
                connected.completeExceptionally(new IllegalStateException("ERROR: " + message));
            }
            default -> {
            }
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (!connected.isDone()) { // not an exception (and its stack trace) for every ordinary close
            connected.completeExceptionally(new IllegalStateException("closed before CONNECTED"));
        }
        listener.closed(this);
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        connected.completeExceptionally(cause);
        ctx.close();
    }
}
