package io.roomcast.session;

import io.roomcast.bus.Position;
import io.roomcast.delivery.Outbound;
import io.roomcast.stomp.StompCommand;
import io.roomcast.stomp.StompHeaders;

/** RECEIPT frames, with the stream's {@code position} where the request had one. */
final class Receipts {
    private static final byte[] EMPTY = new byte[0];

    private Receipts() {
    }

    /** Writes and flushes a RECEIPT when the client asked for one ({@code receipt} not null). */
    static void send(Outbound out, String receipt, Position position) {
        if (receipt == null) {
            return;
        }
        StompHeaders h = new StompHeaders(2).add("receipt-id", receipt);
        if (position != null) {
            h.add("position", position.toString());
        }
        out.send(StompCommand.RECEIPT, h, EMPTY);
    }
}
