package io.roomcast.session;

import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.roomcast.bus.Position;
import io.roomcast.bus.Published;
import io.roomcast.delivery.Outbound;
import io.roomcast.history.HistoryWindow;
import io.roomcast.metrics.Disconnect;

import java.util.Iterator;
import java.util.List;

/**
 * One subscription's replay, streamed under its connection's byte budget: first the messages read from the
 * bus's log (a deep resume), then the history window a part at a time, until it has caught up with the
 * window's head and the subscription goes live. A client that does not read stops the replay where it is; it
 * goes on as the socket drains.
 *
 * <p>Nothing is copied up front: the window is read as the replay goes. Should the window drop what the replay
 * still needs (the client read too slowly for the traffic), the connection is closed with a reason, and the
 * client resumes again from its last position. It never sees a gap.
 *
 * <p>Confined to the connection's event loop.
 */
final class Catchup implements Outbound.Producer {
    /** Offsets of the partition scanned per read of the window. */
    static final int SCAN = 256;

    private final Subscription sub;
    private final HistoryWindow window;
    private final String receipt;
    private final String epoch;
    private final int partition;
    private long after;
    private Iterator<Published> logPart;
    /** The log is being read; nothing to write until it answers. */
    private boolean waiting;

    /** A replay of the window from offset {@code after} on. */
    Catchup(Subscription sub, HistoryWindow window, Position after, String receipt) {
        this.sub = sub;
        this.window = window;
        this.receipt = receipt;
        this.epoch = after.epoch();
        this.partition = after.partition();
        this.after = after.offset();
    }

    /** The replay waits for a read of the log before it writes anything. */
    Catchup waitingForLog() {
        waiting = true;
        return this;
    }

    /** The log answered: its messages go first, then the window from {@code windowFloor} on. */
    void logRead(List<Published> messages, long windowFloor) {
        logPart = messages.iterator();
        after = windowFloor - 1;
        waiting = false;
    }

    @Override
    public boolean produce(Outbound out) {
        if (waiting) {
            return false;
        }
        while (logPart != null && logPart.hasNext()) {
            if (!out.hasRoom()) {
                return false;
            }
            sub.replay(logPart.next());
        }
        logPart = null;
        while (out.hasRoom()) {
            HistoryWindow.Chunk chunk = window.read(sub.stream(), epoch, after, SCAN);
            if (chunk.gap()) {
                fellBehind();
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
                sub.caughtUp(after);
                Receipts.send(out, receipt, new Position(epoch, partition, after));
                return true;
            }
        }
        return false;
    }

    private void fellBehind() {
        String why = "resume of " + sub.destination().text() + " fell behind: the messages after position "
                + new Position(epoch, partition, after) + " left the history window before this connection read"
                + " them; resume again from your last position";
        sub.session().close(Disconnect.SLOW_CONSUMER, why, null, receipt, WebSocketCloseStatus.TRY_AGAIN_LATER);
    }
}
