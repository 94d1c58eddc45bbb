package io.roomcast.delivery;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.ScheduledFuture;
import io.roomcast.metrics.Disconnect;
import io.roomcast.stomp.StompCommand;
import io.roomcast.stomp.StompEncoder;
import io.roomcast.stomp.StompHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * The one way out to a client. Every byte the node writes to a connection goes through here: live and
 * replayed messages, the server's own MESSAGEs (refusals, presence answers, recovery events), receipts,
 * CONNECTED, ERROR, heart-beats, close frames, and HTTP responses. All of it counts against one byte budget.
 *
 * <p>The budget ({@code --outbound-queue-bytes}) bounds the bytes written and not yet taken by the kernel:
 * <ul>
 *   <li>Past it the connection is <em>backed up</em>: the node stops reading the client (its next requests wait
 *       in the pipeline until it reads again), pauses the connection's {@link Producer producers} (replays),
 *       and starts the grace timer.</li>
 *   <li>Once half of it is left (Netty's low-water mark), reading and producing resume.</li>
 *   <li>A connection still backed up when the grace ({@code --slow-consumer-grace}) ends, or one whose queue
 *       passes twice the budget, is closed as a slow consumer, at once and without an ERROR frame (it would
 *       never arrive), freeing what was queued.</li>
 * </ul>
 * A delivery to a connection that is already closing is not written and not counted as a slow consumer: Netty's
 * {@code isWritable()} is false for a closed channel too, which is why this class reads the outbound buffer
 * itself.
 *
 * <p>Every frame goes out as complete WebSocket bytes made by {@link SharedFrames#frame}, the one framer.
 *
 * <p>Confined to the channel's event loop, except {@link #close}, {@link #closeNow} and {@link #restart}, which
 * any thread may call. Buffers handed to the write methods are owned by this class from then on.
 */
public final class Outbound {
    private static final Logger log = LoggerFactory.getLogger(Outbound.class);
    private static final AttributeKey<Outbound> KEY = AttributeKey.valueOf("roomcast.outbound");
    private static final byte[] NO_PREFIX = new byte[0];
    private static final byte[] HEART_BEAT = {'\n'};
    /** RFC 6455 5.5: a control frame's payload is at most 125 bytes, two of them the status code. */
    private static final int MAX_CLOSE_REASON_BYTES = 123;
    private static final int HELD_BACKED_UP = 1;
    private static final int HELD_BY_REQUEST = 2;

    /** What every connection of a node may queue. */
    public record Budget(int bytes, Duration grace) {
        public long hardLimit() {
            return 2L * bytes;
        }
    }

    /**
     * Work that writes a long series of frames (a replay) a part at a time, as the socket drains.
     */
    public interface Producer {
        /**
         * Writes frames while {@link Outbound#hasRoom()}.
         *
         * @return true when finished (it is then dropped), false to be called again once the socket drains
         */
        boolean produce(Outbound out);
    }

    private final Channel channel;
    private final Budget budget;
    private boolean backedUp;
    private boolean closing;
    private boolean flushPending;
    private boolean producing;
    private boolean clientClosed;
    /** Why reading the client is paused (a bit each); reads resume when none is left. */
    private int readHolds;
    /** Why this node closed the connection; null while open or when the other side closed it. */
    private Disconnect closeReason;
    private ScheduledFuture<?> timer;
    private ArrayDeque<Producer> producers;
    /** Bytes of live messages the producers hold back ({@link #hold}). */
    private long held;

    private Outbound(Channel channel, Budget budget) {
        this.channel = channel;
        this.budget = budget;
    }

    /** Attaches the connection's outbound; call once, when the channel is initialised. */
    public static Outbound attach(Channel channel, Budget budget) {
        Outbound out = new Outbound(channel, budget);
        channel.attr(KEY).set(out);
        channel.closeFuture().addListener(closed -> out.closed());
        return out;
    }

    /** The outbound of {@code channel}, attached when it was initialised. */
    public static Outbound of(Channel channel) {
        Outbound out = channel.attr(KEY).get();
        if (out == null) {
            throw new IllegalStateException("no outbound attached to " + channel);
        }
        return out;
    }

    public Channel channel() {
        return channel;
    }

    // ---- the budget ----

    /** Bytes written and not yet taken by the kernel; 0 once the channel is closed. Any thread, may be stale. */
    public long pending() {
        ChannelOutboundBuffer buffer = channel.unsafe().outboundBuffer();
        return buffer == null ? 0 : buffer.totalPendingWriteBytes();
    }

    /** The connection's budget in bytes ({@code --outbound-queue-bytes}). */
    public int budgetBytes() {
        return budget.bytes();
    }

    /**
     * Whether a producer may write more now: open, not backed up, and not past the budget. "Past" means what it
     * means to Netty's high-water mark, more than the budget: a producer that stopped at exactly the budget would
     * wait for a writability event that never comes.
     */
    public boolean hasRoom() {
        return !closing && !backedUp && pending() <= budget.bytes();
    }

    /** Whether the connection is closing or closed: nothing more will be written. */
    public boolean isClosing() {
        return closing || channel.unsafe().outboundBuffer() == null;
    }

    private void afterWrite() {
        afterWrite(true);
    }

    /** @param hardLimit whether twice the budget closes the connection (not for one large HTTP answer) */
    private void afterWrite(boolean hardLimit) {
        long queued = pending();
        if (hardLimit && queued > budget.hardLimit()) {
            slowConsumer(queued, "more than twice --outbound-queue-bytes");
        } else if (queued > budget.bytes() && !backedUp) {
            backUp();
        }
    }

    private void backUp() {
        backedUp = true;
        holdReads(HELD_BACKED_UP, true);
        cancelTimer();
        timer = channel.eventLoop().schedule(this::graceOver, budget.grace().toNanos(), TimeUnit.NANOSECONDS);
    }

    private void graceOver() {
        timer = null;
        if (!backedUp || closing) {
            return;
        }
        long queued = pending();
        if (queued > budget.bytes() / 2) {
            slowConsumer(queued, "still past --outbound-queue-bytes after " + budget.grace().toMillis() + " ms");
        } else {
            resume(); // drained, and the writability event is still on its way
        }
    }

    /** The channel's writability changed (Netty's water marks are half the budget and the budget). */
    public void writabilityChanged() {
        if (backedUp && channel.isWritable()) {
            resume();
        }
    }

    private void resume() {
        backedUp = false;
        cancelTimer();
        if (!closing) {
            holdReads(HELD_BACKED_UP, false);
            // As a task of its own: a writability event can come from inside a flush, and the producers' next
            // part should not nest in it.
            channel.eventLoop().execute(this::produce);
        }
    }

    /**
     * Stops reading the client until {@link #releaseReads()}: HTTP answers one request at a time, and a request
     * that arrives meanwhile waits in the pipeline's flow control, unread.
     */
    public void holdReads() {
        holdReads(HELD_BY_REQUEST, true);
    }

    public void releaseReads() {
        holdReads(HELD_BY_REQUEST, false);
    }

    private void holdReads(int reason, boolean hold) {
        int before = readHolds;
        readHolds = hold ? before | reason : before & ~reason;
        if ((before == 0) != (readHolds == 0)) {
            channel.config().setAutoRead(readHolds == 0);
        }
    }

    /** Whether the node has stopped reading the client because its queue is past the budget. */
    public boolean isBackedUp() {
        return backedUp;
    }

    private void slowConsumer(long queued, String why) {
        log.warn("closing a slow consumer {}: {} bytes waiting to be written, {} (the budget is {})",
                channel.remoteAddress(), queued, why, budget.bytes());
        closeNow(Disconnect.SLOW_CONSUMER);
    }

    // ---- producers ----

    /** Adds a producer after the others and lets it start writing. */
    public void stream(Producer producer) {
        if (closing) {
            return;
        }
        if (producers == null) {
            producers = new ArrayDeque<>(2);
        }
        producers.addLast(producer);
        produce();
    }

    /** Drops a producer that has not finished (its subscription ended); the ones behind it go on. */
    public void cancel(Producer producer) {
        if (producers != null && producers.remove(producer)) {
            produce();
        }
    }

    /**
     * Takes room for {@code bytes} of live messages a producer holds back while it replays (a resume from the
     * log). What every producer of the connection holds together stays within the budget.
     *
     * @return false when it would not
     */
    public boolean hold(int bytes) {
        if (held + bytes > budget.bytes()) {
            return false;
        }
        held += bytes;
        return true;
    }

    /** Gives back room taken by {@link #hold}. */
    public void unhold(int bytes) {
        held -= bytes;
    }

    private void produce() {
        if (producing || producers == null) {
            return;
        }
        producing = true;
        try {
            // A producer that returns unfinished with room left waits for something else (a read of the log)
            // and calls wake() when it has it; either way the ones behind it wait their turn.
            // A producer may also close the connection (a replay that fell behind), which drops the producers.
            while (producers != null && !producers.isEmpty() && hasRoom() && producers.peekFirst().produce(this)
                    && producers != null) {
                producers.pollFirst();
            }
        } finally {
            producing = false;
        }
        flush();
    }

    /** Lets a producer that was waiting on something else (a read of the log) go on. */
    public void wake() {
        produce();
    }

    // ---- writing ----

    /**
     * Writes a live delivery's frame (complete WebSocket bytes) without flushing; the fan-out flushes.
     *
     * @return false when the connection is closing and the frame was not written (it is released)
     */
    public boolean deliver(ByteBuf frame) {
        if (isClosing()) {
            frame.release();
            return false;
        }
        channel.write(frame, channel.voidPromise());
        afterWrite();
        return true;
    }

    /** Writes a MESSAGE made of a subscription's prefix and a message's tail, without flushing. */
    public void writeMessage(byte[] prefix, ByteBuf tail, boolean text) {
        if (!isClosing()) {
            write(SharedFrames.frame(channel.alloc(), text, prefix, tail));
        }
    }

    /** Writes a server frame without flushing. */
    public void write(StompCommand command, StompHeaders headers, byte[] body) {
        if (isClosing()) {
            return;
        }
        ByteBuf stomp = StompEncoder.encode(channel.alloc(), command, headers, body);
        try {
            write(SharedFrames.frame(channel.alloc(), true, NO_PREFIX, stomp));
        } finally {
            stomp.release();
        }
    }

    /** Writes and flushes a server frame. */
    public void send(StompCommand command, StompHeaders headers, byte[] body) {
        write(command, headers, body);
        flush();
    }

    /**
     * Answers a WebSocket ping (RFC 6455 5.5.3) through the budget: a backed-up client is not read, so its
     * pings are not answered either; {@code data} is released.
     */
    public void pong(ByteBuf data) {
        try {
            if (isClosing() || backedUp) {
                return;
            }
            int length = Math.min(data.readableBytes(), 125);
            ByteBuf frame = channel.alloc().directBuffer(2 + length);
            frame.writeByte(0x8A).writeByte(length).writeBytes(data, data.readerIndex(), length);
            write(frame);
            flush();
        } finally {
            data.release();
        }
    }

    /** Writes and flushes a STOMP heart-beat (one EOL). */
    public void heartBeat() {
        if (!isClosing()) {
            write(SharedFrames.frame(channel.alloc(), true, NO_PREFIX, Unpooled.wrappedBuffer(HEART_BEAT)));
            flush();
        }
    }

    /**
     * Writes and flushes an HTTP response; without keep-alive the connection closes after it (or after the
     * grace, if the client does not read it).
     */
    public void respond(FullHttpResponse response, boolean keepAlive) {
        if (isClosing()) {
            response.release();
            return;
        }
        response.headers().set(HttpHeaderNames.CONNECTION,
                keepAlive ? HttpHeaderValues.KEEP_ALIVE : HttpHeaderValues.CLOSE);
        if (keepAlive) {
            channel.writeAndFlush(response, channel.voidPromise());
            afterWrite(false); // one answer at a time: its size is the route's, not a backlog's
        } else {
            closing = true;
            channel.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
            closeWithin(budget.grace());
        }
    }

    private void write(ByteBuf frame) {
        channel.write(frame, channel.voidPromise());
        afterWrite();
    }

    public void flush() {
        if (channel.isActive()) {
            channel.flush();
        }
    }

    /**
     * After a {@link #deliver}: whether this caller is the first to owe this connection a flush since the last
     * {@link #flushDeliveries}, so that a batch of deliveries flushes each socket once.
     */
    public boolean claimFlush() {
        if (flushPending) {
            return false;
        }
        flushPending = true;
        return true;
    }

    /** Flushes what {@link #deliver} wrote. */
    public void flushDeliveries() {
        flushPending = false;
        flush();
    }

    // ---- closing ----

    /** Why this node closed the connection, or null (the client closed it, or it is open). */
    public Disconnect closeReason() {
        return closeReason;
    }

    /** Whether the client ended the connection with a WebSocket close frame. */
    public boolean clientClosed() {
        return clientClosed;
    }

    /**
     * Sends ERROR (STOMP 1.2: the server closes the connection after it) and a WebSocket close, then closes once
     * they are written, or after the grace if the client does not take them. Any thread.
     */
    public void close(Disconnect reason, StompHeaders error, String detail, WebSocketCloseStatus status,
                      String closeText) {
        if (!channel.eventLoop().inEventLoop()) {
            channel.eventLoop().execute(() -> close(reason, error, detail, status, closeText));
            return;
        }
        if (isClosing()) {
            return;
        }
        closeReason = reason;
        write(StompCommand.ERROR, error, detail.getBytes(StandardCharsets.UTF_8));
        closeSocket(status, closeText);
    }

    /** Closes with WebSocket code 1012 (service restart): the client should reconnect, elsewhere. Any thread. */
    public void restart(String why) {
        if (!channel.eventLoop().inEventLoop()) {
            channel.eventLoop().execute(() -> restart(why));
            return;
        }
        if (!isClosing()) {
            closeReason = Disconnect.RESTART;
            closeSocket(WebSocketCloseStatus.SERVICE_RESTART, why);
        }
    }

    /** The client sent DISCONNECT: closes with 1000, counted as the client's doing. */
    public void closeAtClientsRequest() {
        if (!isClosing()) {
            closeReason = Disconnect.CLIENT;
            closeSocket(WebSocketCloseStatus.NORMAL_CLOSURE, "DISCONNECT");
        }
    }

    /** The client sent a WebSocket close frame: answers it (RFC 6455 5.5.1) and closes. */
    public void answerClientClose(CloseWebSocketFrame close) {
        clientClosed = true;
        if (isClosing()) {
            close.release();
            return;
        }
        closing = true;
        channel.writeAndFlush(close).addListener(ChannelFutureListener.CLOSE);
        closeWithin(budget.grace());
    }

    /** Closes at once, dropping whatever is queued. Any thread. */
    public void closeNow(Disconnect reason) {
        if (!channel.eventLoop().inEventLoop()) {
            channel.eventLoop().execute(() -> closeNow(reason));
            return;
        }
        if (closeReason == null && !clientClosed) {
            closeReason = reason;
        }
        closing = true;
        cancelTimer();
        channel.close();
    }

    private void closeSocket(WebSocketCloseStatus status, String why) {
        closing = true;
        producers = null;
        channel.writeAndFlush(new CloseWebSocketFrame(status.code(), truncated(why))).addListener(written -> linger());
        closeWithin(budget.grace());
    }

    /**
     * After the last frame: stops sending but reads (and drops) what the client still sends until it closes, or
     * the grace ends. Closing at once, with the client's frames unread, would make the kernel answer with a
     * reset, which can destroy the ERROR frame before the client reads it.
     */
    private void linger() {
        if (channel instanceof DuplexChannel duplex && channel.isActive()) {
            readHolds = 0;
            channel.config().setAutoRead(true);
            duplex.shutdownOutput();
        } else {
            channel.close();
        }
    }

    /** A client that doesn't read its close is cut when the grace ends. */
    private void closeWithin(Duration grace) {
        cancelTimer();
        timer = channel.eventLoop().schedule(() -> channel.close(), grace.toNanos(), TimeUnit.NANOSECONDS);
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    /** The connection ended: stops timers and producers. */
    public void closed() {
        closing = true;
        cancelTimer();
        producers = null;
    }

    /** {@code why}, cut to the 123 bytes of UTF-8 a close frame may carry, at a character boundary. */
    static String truncated(String why) {
        int bytes = 0;
        for (int i = 0; i < why.length(); ) {
            int cp = why.codePointAt(i);
            int size = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
            if (bytes + size > MAX_CLOSE_REASON_BYTES) {
                return why.substring(0, i);
            }
            bytes += size;
            i += Character.charCount(cp);
        }
        return why;
    }
}
