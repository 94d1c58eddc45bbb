package io.roomcast.delivery;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.roomcast.bus.Envelope;
import io.roomcast.bus.Published;
import io.roomcast.stomp.StompEncoder;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * A bus message encoded once for every subscriber on this node: the part of the STOMP MESSAGE frame after the
 * per-subscription headers ({@code subscription}, {@code destination}), through the body and its NUL.
 *
 * <p>Reference counting: {@link #tail()} starts with one reference, owned by whoever called {@link #encode}.
 * Hand it on with {@link #retain}, give it up with {@link #release}. Writers copy or slice it; they never
 * release it themselves.
 */
public final class EncodedMessage {
    private final Published message;
    private final ByteBuf tail;
    private final boolean text;
    private final boolean local;

    private EncodedMessage(Published message, ByteBuf tail, boolean text, boolean local) {
        this.message = message;
        this.tail = tail;
        this.text = text;
        this.local = local;
    }

    public static EncodedMessage encode(ByteBufAllocator alloc, Published published) {
        return encode(alloc, published, false);
    }

    /**
     * @param local an event this node made up for its own subscribers (a dead node's users leaving): it
     *              carries the stream's current position but takes no offset of its own
     */
    public static EncodedMessage encode(ByteBufAllocator alloc, Published published, boolean local) {
        Envelope e = published.envelope();
        String position = published.position().toString();
        ByteBuf buf = alloc.buffer(160 + e.body().length);
        try {
            StompEncoder.writeHeader(buf, "message-id", position, true);
            StompEncoder.writeHeader(buf, "event", e.event(), true);
            StompEncoder.writeHeader(buf, "position", position, true);
            writeOptional(buf, "from", e.from());
            writeOptional(buf, "room", e.room());
            writeOptional(buf, "user", e.user());
            writeOptional(buf, "content-type", e.contentType());
            for (Map.Entry<String, String> h : e.headers().entrySet()) {
                StompEncoder.writeHeader(buf, h.getKey(), h.getValue(), true);
            }
            StompEncoder.writeHeader(buf, "content-length", Integer.toString(e.body().length), false);
            buf.writeByte('\n');
            buf.writeBytes(e.body());
            buf.writeByte(0);
            // Checked on an unpooled view of the array: cheaper than the pooled buffer, and never leak-tracked.
            boolean text = e.body().length == 0
                    || ByteBufUtil.isText(Unpooled.wrappedBuffer(e.body()), StandardCharsets.UTF_8);
            return new EncodedMessage(published, buf, text, local);
        } catch (RuntimeException ex) {
            buf.release();
            throw ex;
        }
    }

    private static void writeOptional(ByteBuf buf, String name, String value) {
        if (value != null) {
            StompEncoder.writeHeader(buf, name, value, true);
        }
    }

    public Published message() {
        return message;
    }

    /** The shared bytes; read them with absolute indexes or a duplicate, never move its indexes. */
    public ByteBuf tail() {
        return tail;
    }

    /**
     * Whether the frame may go out as a WebSocket text message. A body that is not valid UTF-8 must go as a
     * binary message, or browsers drop the connection.
     */
    public boolean isText() {
        return text;
    }

    /** Whether this event exists only on this node; it skips the subscription's offset check. */
    public boolean isLocal() {
        return local;
    }

    public EncodedMessage retain(int increment) {
        tail.retain(increment);
        return this;
    }

    public void release() {
        tail.release();
    }
}
