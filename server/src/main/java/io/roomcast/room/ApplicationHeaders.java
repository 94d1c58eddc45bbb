package io.roomcast.room;

import io.roomcast.bus.Envelope;
import io.roomcast.refusal.Refusal;
import io.roomcast.refusal.Refusal.Code;

/**
 * The headers a client or backend may pass through to the receivers of its message, checked the same way for
 * a STOMP SEND and an HTTP publish: a name {@link Envelope#reservedHeader} reserves is refused with
 * {@code reserved-header}, never dropped, so that the sender learns why its header did not arrive.
 */
public final class ApplicationHeaders {
    private ApplicationHeaders() {
    }

    /** @throws Refusal naming the header, when its name is reserved */
    public static void checkName(String name) throws Refusal {
        String reserved = Envelope.reservedHeader(name);
        if (reserved != null) {
            throw new Refusal(Code.RESERVED_HEADER, "header '" + printable(name) + "' is reserved"
                    + (reserved.equals(name) ? "" : " (it reads as '" + reserved + "')")
                    + ": the node sets it itself; use another name for your own header");
        }
    }

    private static String printable(String name) {
        String p = name.replaceAll("\\p{Cntrl}", "?");
        return p.length() <= 40 ? p : p.substring(0, 40) + "...";
    }
}
