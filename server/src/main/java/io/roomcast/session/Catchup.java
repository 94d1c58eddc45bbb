package io.roomcast.session;

import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.roomcast.bus.Position;
import io.roomcast.bus.Published;
import io.roomcast.delivery.EncodedMessage;
import io.roomcast.delivery.Outbound;
import io.roomcast.history.HistoryWindow;
import io.roomcast.metrics.Disconnect;
import io.roomcast.refusal.Refusal.Code;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.List;

/**
 * One subscription's replay, streamed under its connection's byte budget until it has caught up and the
 * subscription goes live. A client that does not read stops the replay where it is; it goes on as the socket
 * drains. Two kinds:
 * <ul>
 *   <li><b>From the window</b>: reads the history window a part at a time from the resume position to its head.
 *       Live messages are not held meanwhile: each is in the window before it reaches any event loop, so the
 *       replay reads it there, in order. Should the window drop what the replay still needs (the client read
 *       too slowly for the traffic), the connection is closed with a reason and the client resumes again from
 *       its last position; it never sees a gap.</li>
 *   <li><b>From the log</b> (a resume older than the window): the bus's log from the resume position up to the
 *       window's head when the client subscribed, then the live messages held since then. What the
 *       connection's replays hold together stays within its budget ({@link Outbound#hold}); past it the resume
 *       is answered {@code recovered:false}, or, once it has been answered, the connection is closed as above.</li>
 * </ul>
 * Node-local events (a dead node's users leaving), which no replay reads, are held in both kinds and written
 * once the replay has caught up.
 *
 * <p>Confined to the connection's event loop. Owns one reference to each held message until it is written or
 * the replay ends.
 */
final class Catchup implements Outbound.Producer {
    /** Offsets of the partition scanned per read of the window. */
    static final int SCAN = 256;
    /** Most node-local events held while replaying from the window. */
    static final int MAX_HELD_LOCAL = 1000;

    private final Subscription sub;
    private final HistoryWindow window;
    private final String receipt;
    private final String epoch;
    private final int partition;
    private final boolean fromLog;
    /** From the log: the last offset the log part covers (the window's head when the client subscribed). */
    private final long logEnd;
    private long after;
    private Iterator<Published> logPart;
    /** The log is being read; nothing to write until it answers. */
    private boolean waiting;
    private ArrayDeque<EncodedMessage> held;
    private boolean overflow;
    private boolean answered;

    private Catchup(Subscription sub, HistoryWindow window, Position after, String receipt, boolean fromLog,
                    long logEnd) {
        this.sub = sub;
        this.window = window;
        this.receipt = receipt;
        this.epoch = after.epoch();
        this.partition = after.partition();
        this.after = after.offset();
        this.fromLog = fromLog;
        this.waiting = fromLog;
        this.answered = !fromLog;
        this.logEnd = logEnd;
    }

    /** A replay of the window from {@code after} on; the client has been told it is recovered. */
    static Catchup fromWindow(Subscription sub, HistoryWindow window, Position after, String receipt) {
        return new Catchup(sub, window, after, receipt, false, -1);
    }

    /**
     * A replay that waits for a read of the log up to {@code logEnd}, holding the live messages that reach the
     * subscription meanwhile.
     */
    static Catchup fromLog(Subscription sub, HistoryWindow window, Position since, long logEnd, String receipt) {
        return new Catchup(sub, window, since, receipt, true, logEnd);
    }

    /** Whether the live messages held so far went past the budget (the resume can't be answered as complete). */
    boolean overflowed() {
        return overflow;
    }

    /** The log answered, and the client was told it is recovered: its messages go out next, then what was held. */
    void logRead(List<Published> messages) {
        logPart = messages.iterator();
        waiting = false;
        answered = true;
    }

    /** A live message reached the subscription during the replay; @return false: it is not written now */
    boolean offerLive(EncodedMessage message) {
        if (!fromLog && !message.isLocal()) {
            return false; // read from the window instead
        }
        if (held == null) {
            held = new ArrayDeque<>();
        }
        int size = message.tail().readableBytes();
        if (overflow || (!fromLog && held.size() >= MAX_HELD_LOCAL) || !sub.outbound().hold(size)) {
            overflow = true;
            if (answered) {
                fellBehind("more live messages arrived than the connection could hold while it replayed");
            }
            return false;
        }
        held.add(message.retain(1));
        return false;
    }

    @Override
    public boolean produce(Outbound out) {
        if (waiting) {
            return false;
        }
        return fromLog ? produceFromLog(out) : produceFromWindow(out);
    }

    private boolean produceFromLog(Outbound out) {
        while (logPart.hasNext()) {
            if (!out.hasRoom()) {
                return false;
            }
            sub.replay(logPart.next());
        }
        while (held != null && !held.isEmpty()) {
            if (!out.hasRoom()) {
                return false;
            }
            sub.replayLive(unhold(held.pollFirst()));
        }
        finish(out, Math.max(sub.lastOffset(), logEnd));
        return true;
    }

    private boolean produceFromWindow(Outbound out) {
        while (out.hasRoom()) {
            HistoryWindow.Chunk chunk = window.read(sub.stream(), epoch, after, SCAN);
            if (chunk.gap()) {
                fellBehind("the messages after position " + new Position(epoch, partition, after) + " left the"
                        + " history window before this connection read them");
                return true;
            }
            for (Published m : chunk.messages()) {
                if (!out.hasRoom()) {
                    after = m.offset() - 1;
                    return false;
                }
                sub.replay(m);
            }
            after = chunk.scannedTo();
            if (chunk.caughtUp()) {
                while (held != null && !held.isEmpty()) {
                    sub.replayLive(unhold(held.pollFirst()));
                }
                held = null;
                finish(out, after);
                return true;
            }
        }
        return false;
    }

    private void finish(Outbound out, long offset) {
        sub.caughtUp(offset);
        Receipts.send(out, receipt, new Position(epoch, partition, offset));
    }

    /** Frees what is held; the replay will not go on. */
    void release() {
        EncodedMessage m;
        while (held != null && (m = held.pollFirst()) != null) {
            unhold(m).release();
        }
        held = null;
    }

    /** Gives back the connection's room for {@code m}, which leaves the held queue. */
    private EncodedMessage unhold(EncodedMessage m) {
        sub.outbound().unhold(m.tail().readableBytes());
        return m;
    }

    private void fellBehind(String why) {
        release();
        sub.session().close(Disconnect.SLOW_CONSUMER, "resume of " + sub.destination().text() + " fell behind: "
                + why + "; resume again from your last position", Code.SLOW_CONSUMER, receipt,
                WebSocketCloseStatus.TRY_AGAIN_LATER);
    }
}
