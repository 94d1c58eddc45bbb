package io.roomcast.session;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.roomcast.bus.Stream;
import io.roomcast.stomp.StompCommand;
import io.roomcast.stomp.StompEncoder;
import io.roomcast.delivery.EncodedMessage;

/**
 * One SUBSCRIBE of one session. Confined to the session's event loop.
 *
 * <p>{@link #lastOffset} is the offset, in the stream's partition, of the last message this subscription
 * delivered or deliberately skipped. A stream lives in one partition, so offsets only grow; anything at or
 * below it is a duplicate (for instance a live message that a replay already delivered) and is dropped.
 */
public final class Subscription {
    private final Session session;
    private final String id;
    private final Destination destination;
    private final Stream stream;
    private final byte[] framePrefix;
    long lastOffset = Long.MIN_VALUE;
    /** Live messages held back while a replay from the log is being read; null when not replaying. */
    private java.util.List<EncodedMessage> held;
    private boolean heldOverflow;

    /** Most live messages held during one replay; past it the replay is answered as not recovered. */
    static final int MAX_HELD = 10_000;

    Subscription(Session session, String id, Destination destination, Stream stream) {
        this.session = session;
        this.id = id;
        this.destination = destination;
        this.stream = stream;
        this.framePrefix = encodePrefix(id, destination.text());
    }

    /**
     * The start of every MESSAGE frame on this subscription, up to and including its own headers, encoded
     * once. The shared rest of the frame comes from {@link io.roomcast.delivery.EncodedMessage}.
     */
    byte[] framePrefix() {
        return framePrefix;
    }

    private static byte[] encodePrefix(String id, String destination) {
        ByteBuf buf = Unpooled.buffer(64);
        StompEncoder.writeCommand(buf, StompCommand.MESSAGE);
        StompEncoder.writeHeader(buf, "subscription", id, true);
        StompEncoder.writeHeader(buf, "destination", destination, true);
        return ByteBufUtil.getBytes(buf);
    }

    public Session session() {
        return session;
    }

    public String id() {
        return id;
    }

    public Destination destination() {
        return destination;
    }

    /** The bus stream this subscription reads, or null for the errors queue. */
    public Stream stream() {
        return stream;
    }

    boolean isReplaying() {
        return held != null;
    }

    void startReplay() {
        held = new java.util.ArrayList<>();
    }

    /** Keeps a live message (one more reference) until the replay ends. */
    void hold(EncodedMessage message) {
        if (held.size() >= MAX_HELD) {
            heldOverflow = true;
            return;
        }
        held.add(message.retain(1));
    }

    /** Ends the replay; the caller delivers and then releases what was held. */
    java.util.List<EncodedMessage> endReplay() {
        java.util.List<EncodedMessage> h = held == null ? java.util.List.of() : held;
        held = null;
        return h;
    }

    boolean heldOverflow() {
        return heldOverflow;
    }

    /**
     * Claims {@code offset} for delivery.
     *
     * @return false when it is a duplicate of something already delivered or skipped
     */
    public boolean advance(long offset) {
        if (offset <= lastOffset) {
            return false;
        }
        lastOffset = offset;
        return true;
    }
}
