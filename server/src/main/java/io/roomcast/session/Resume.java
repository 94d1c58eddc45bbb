package io.roomcast.session;

import io.roomcast.bus.Position;
import io.roomcast.delivery.Outbound;
import io.roomcast.history.HistoryWindow;
import io.roomcast.history.Recovery;
import io.roomcast.history.Replay;
import io.roomcast.metrics.NodeMetrics;
import io.roomcast.stomp.StompCommand;
import io.roomcast.stomp.StompHeaders;

import java.util.concurrent.atomic.AtomicLong;

/**
 * SUBSCRIBE with {@code since}: answers whether the stream can be resumed from that position, with the
 * {@code event:recovery} MESSAGE that DESIGN.md's protocol table puts first on the subscription, and then
 * replays what was missed through a {@link Catchup}.
 *
 * <p>Three paths: the window reaches back far enough (the replay starts at once); the window doesn't, but the
 * bus's log may (read off the event loop, then replayed, then the window); or neither
 * ({@code recovered:false} and the subscription goes live from the head, so the client knows to reload).
 *
 * <p>Thread-safe: holds no state of its own; each call runs on the subscribing connection's event loop.
 */
public final class Resume {
    private static final byte[] EMPTY = new byte[0];
    private static final AtomicLong IDS = new AtomicLong();

    private final HistoryWindow window;
    private final Recovery recovery;
    private final NodeMetrics metrics;

    public Resume(HistoryWindow window, Recovery recovery, NodeMetrics metrics) {
        this.window = window;
        this.recovery = recovery;
        this.metrics = metrics;
    }

    /**
     * Resumes {@code sub} (registered with the fan-out already) from {@code since}, as the client wrote it in
     * {@code sinceText}. The RECEIPT, if asked for, follows the replay.
     */
    void start(Subscription sub, Position since, String sinceText, String receipt) {
        HistoryWindow.Bounds bounds = window.bounds(sub.stream());
        if (bounds != null && bounds.covers(since)) {
            recovered(sub, sinceText, true, new Position(bounds.epoch(), bounds.partition(), bounds.head()));
            replay(sub, Catchup.fromWindow(sub, window, since, receipt));
            return;
        }
        HistoryWindow.Bounds deep = recovery.needsLog(sub.stream(), since);
        if (deep == null) {
            notRecovered(sub, sinceText, receipt);
            return;
        }
        // The log up to the window's head now; everything after it reaches the subscription live, and is held
        // until the log part is out. (Reading only up to the window's floor and the rest from the window would
        // race with the window moving on while the log is read.)
        Catchup catchup = Catchup.fromLog(sub, window, since, deep.head(), receipt);
        replay(sub, catchup);
        Outbound out = sub.outbound();
        HistoryWindow.Bounds upToHead = new HistoryWindow.Bounds(deep.epoch(), deep.partition(), deep.head() + 1,
                deep.head());
        recovery.fromLog(sub.stream(), since, upToHead).whenComplete((logPart, failure) -> out.channel().eventLoop()
                .execute(() -> logRead(sub, catchup, logPart, sinceText, receipt)));
    }

    private void replay(Subscription sub, Catchup catchup) {
        sub.startCatchup(catchup);
        sub.outbound().stream(catchup);
    }

    private void logRead(Subscription sub, Catchup catchup, Replay logPart, String sinceText, String receipt) {
        if (!sub.isReplaying() || sub.outbound().isClosing()) {
            return; // unsubscribed or gone meanwhile
        }
        if (logPart == null || !logPart.recovered() || catchup.overflowed()) {
            sub.end();
            notRecovered(sub, sinceText, receipt);
            return;
        }
        recovered(sub, sinceText, true, window.head(sub.stream()));
        catchup.logRead(logPart.messages());
        sub.outbound().wake();
    }

    /** The stream can't be resumed from there: the client is told, and the subscription goes live from the head. */
    private void notRecovered(Subscription sub, String sinceText, String receipt) {
        Position head = window.head(sub.stream());
        recovered(sub, sinceText, false, head);
        if (head != null) {
            sub.advance(head.offset());
        }
        Receipts.send(sub.outbound(), receipt, head);
    }

    private void recovered(Subscription sub, String sinceText, boolean recovered, Position head) {
        StompHeaders h = new StompHeaders(8)
                .add("subscription", sub.id())
                .add("destination", sub.destination().text())
                .add("message-id", "recovery-" + IDS.incrementAndGet())
                .add("event", "recovery")
                .add("recovered", Boolean.toString(recovered))
                .addIfPresent("position", head == null ? null : head.toString())
                .add("since", sinceText);
        sub.outbound().send(StompCommand.MESSAGE, h, EMPTY);
        metrics.recovery(recovered);
    }
}
