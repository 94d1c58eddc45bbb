package io.roomcast.delivery;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.util.Arrays;

/**
 * The WebSocket frames of one message on one event loop, each built once and shared by every subscriber whose
 * frame prefix is the same. Most clients name their subscriptions alike ({@code sub-0} for a stompjs client's
 * first, and the same destination), so a room's subscribers usually share one frame: a delivery is then a
 * reference count and a write, with no allocation or copy of its own.
 *
 * <p>The frame is complete WebSocket bytes (header, the subscription's prefix, the shared tail), written to the
 * socket as a plain buffer; Netty's WebSocket encoder passes buffers through untouched. Server frames are not
 * masked, so every receiver can take the same bytes. {@link #frame} makes every other frame the node writes
 * the same way.
 *
 * <p>Used by one loop at a time; not thread-safe.
 */
public final class SharedFrames {
    private EncodedMessage message;
    private byte[] prefix;
    private ByteBuf frame;

    /** Starts on a new message; releases the previous one's frame. */
    void reset(EncodedMessage message) {
        release();
        this.message = message;
    }

    /** The frame for a subscription with this {@code prefix}: a retained duplicate the caller writes. */
    public ByteBuf frameFor(byte[] prefix, ByteBufAllocator alloc) {
        if (frame == null || (prefix != this.prefix && !Arrays.equals(prefix, this.prefix))) {
            release();
            this.prefix = prefix;
            this.frame = frame(alloc, message.isText(), prefix, message.tail());
        }
        return frame.retainedDuplicate();
    }

    void release() {
        if (frame != null) {
            frame.release();
            frame = null;
            prefix = null;
        }
    }

    /**
     * One unmasked WebSocket data frame (FIN set) carrying {@code prefix} then {@code tail}: the node's one
     * framer, for live, replayed and server-made frames alike. {@code tail} is read, not released.
     */
    public static ByteBuf frame(ByteBufAllocator alloc, boolean text, byte[] prefix, ByteBuf tail) {
        int length = prefix.length + tail.readableBytes();
        int header = length <= 125 ? 2 : length <= 0xFFFF ? 4 : 10;
        ByteBuf buf = alloc.directBuffer(header + length);
        buf.writeByte(0x80 | (text ? 0x1 : 0x2));
        if (length <= 125) {
            buf.writeByte(length);
        } else if (length <= 0xFFFF) {
            buf.writeByte(126).writeShort(length);
        } else {
            buf.writeByte(127).writeLong(length);
        }
        return buf.writeBytes(prefix).writeBytes(tail, tail.readerIndex(), tail.readableBytes());
    }
}
