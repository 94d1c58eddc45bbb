package io.roomcast.session;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.roomcast.bus.Envelope;
import io.roomcast.bus.Published;
import io.roomcast.bus.Stream;
import io.roomcast.delivery.EncodedMessage;
import io.roomcast.delivery.Outbound;
import io.roomcast.delivery.SharedFrames;
import io.roomcast.delivery.Subscriber;
import io.roomcast.stomp.StompCommand;
import io.roomcast.stomp.StompEncoder;

/**
 * One SUBSCRIBE of one session. Confined to the session's event loop.
 *
 * <p>{@link #lastOffset} is the offset, in the stream's partition, of the last message this subscription
 * delivered or deliberately skipped. A stream lives in one partition, so offsets only grow; anything at or
 * below it is a duplicate (for instance a live message that a replay already delivered) and is dropped.
 *
 * <p>While a {@link Catchup} replays history to it, live messages go to the replay instead of the socket (see
 * there), and the subscription goes live once the replay has caught up.
 */
public final class Subscription implements Subscriber {

    private final Session session;
    private final String id;
    private final Destination destination;
    private final Stream stream;
    private final byte[] framePrefix;
    private long lastOffset = Long.MIN_VALUE;
    /** The replay in progress, or null when live. */
    private Catchup catchup;

    Subscription(Session session, String id, Destination destination, Stream stream) {
        this.session = session;
        this.id = id;
        this.destination = destination;
        this.stream = stream;
        this.framePrefix = encodePrefix(id, destination.text());
    }

    /**
     * The start of every MESSAGE frame on this subscription, up to and including its own headers, encoded
     * once. The shared rest of the frame comes from {@link EncodedMessage}.
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
    @Override
    public Stream stream() {
        return stream;
    }

    @Override
    public Outbound outbound() {
        return session.out();
    }

    @Override
    public boolean deliver(EncodedMessage message, SharedFrames frames) {
        Outbound out = session.out();
        if (out.isClosing()) {
            return false;
        }
        if (catchup != null) {
            return catchup.offerLive(message);
        }
        if (!message.isLocal() && !accepts(message.message())) {
            return false;
        }
        return out.deliver(frames.frameFor(framePrefix, out.channel().alloc()));
    }

    /**
     * Claims the offset and applies the whisper rule: only the recipient's sessions that are in the whisper's
     * room receive it live. A replay ({@link #replay}) delivers the whispers the user was sent regardless of
     * which rooms this new session has joined so far: the rule was checked when the whisper was sent, and a
     * resuming client may subscribe to its user queue before its rooms.
     */
    private boolean accepts(Published p) {
        if (!advance(p.offset())) {
            return false;
        }
        Envelope e = p.envelope();
        return !Envelope.WHISPER.equals(e.event()) || session.inRoom(e.room());
    }

    /** Writes a message from history, without flushing, unless it was already delivered. */
    void replay(Published message) {
        if (!advance(message.offset())) {
            return;
        }
        Outbound out = session.out();
        EncodedMessage encoded = EncodedMessage.encode(out.channel().alloc(), message);
        try {
            out.writeMessage(framePrefix, encoded.tail(), encoded.isText());
        } finally {
            encoded.release();
        }
    }

    /**
     * Claims {@code offset} for delivery.
     *
     * @return false when it is a duplicate of something already delivered or skipped
     */
    boolean advance(long offset) {
        if (offset <= lastOffset) {
            return false;
        }
        lastOffset = offset;
        return true;
    }

    /**
     * Writes a live message that a replay held back, without flushing, unless it was already delivered; releases
     * the replay's reference to it.
     */
    void replayLive(EncodedMessage message) {
        try {
            if (message.isLocal() || accepts(message.message())) {
                session.out().writeMessage(framePrefix, message.tail(), message.isText());
            }
        } finally {
            message.release();
        }
    }

    /** The offset of the last message delivered or deliberately skipped. */
    long lastOffset() {
        return lastOffset;
    }

    boolean isReplaying() {
        return catchup != null;
    }

    /** Starts a replay: live messages go to it until it has caught up. */
    void startCatchup(Catchup replay) {
        this.catchup = replay;
    }

    /** The replay reached {@code offset}: every later message comes live. */
    void caughtUp(long offset) {
        advance(offset);
        catchup = null;
    }

    /** The subscription ended, or its resume is answered as not recovered: stops its replay and frees what it held. */
    void end() {
        if (catchup != null) {
            session.out().cancel(catchup);
            catchup.release();
            catchup = null;
        }
    }
}
