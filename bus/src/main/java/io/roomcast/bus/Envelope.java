package io.roomcast.bus;

import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A message as it travels on the bus, before it has a position. Immutable; {@code headers} and {@code body}
 * must not be modified after construction.
 *
 * @param stream      the stream it belongs to, which also fixes its partition
 * @param event       what it is: {@code message}, {@code whisper}, {@code direct}, {@code join}, {@code leave}
 * @param from        the user who sent it, or null when a backend sent it without naming one
 * @param room        the room it belongs to (room messages, whispers), or null
 * @param user        the user who joined or left ({@code join}/{@code leave}), or null
 * @param contentType the body's content type, or null
 * @param headers     application headers passed through to the receiving clients
 * @param body        the payload
 */
public record Envelope(Stream stream, String event, String from, String room, String user, String contentType,
                       Map<String, String> headers, byte[] body) {

    public static final String MESSAGE = "message";
    public static final String WHISPER = "whisper";
    public static final String DIRECT = "direct";
    public static final String JOIN = "join";
    public static final String LEAVE = "leave";

    /**
     * Header names a publisher may not use among its application headers: the ones a node writes itself on the
     * frames it sends (MESSAGE, RECEIPT, ERROR, CONNECTED) and the ones STOMP gives a meaning there. A client
     * that saw one of these from a publisher could not tell it from the node's own. Lower case; see
     * {@link #reservedHeader(String)} for how a name is matched against them.
     */
    public static final Set<String> RESERVED_HEADERS = Set.of("destination", "subscription", "message-id",
            "content-length", "content-type", "transaction", "ack", "event", "from", "room", "user", "position",
            "recovered", "receipt", "receipt-id", "error", "message", "session", "node", "user-name");
    /** The most application headers one message may carry. */
    public static final int MAX_APPLICATION_HEADERS = 16;

    /**
     * The one rule for application header names, applied by the node to STOMP SENDs and HTTP publishes and by
     * the SDK before it sends. A name is matched after trimming (stompjs trims header names, so {@code "user "}
     * reaches its application as {@code user}) and ignoring case (applications and bridges that fold header
     * names would see {@code USER} as {@code user}; no real header needs the difference).
     *
     * @return the reserved name that {@code name} stands for, or null when {@code name} is free to use
     */
    public static String reservedHeader(String name) {
        int start = 0;
        int end = name.length();
        while (start < end && trimmed(name.charAt(start))) {
            start++;
        }
        while (end > start && trimmed(name.charAt(end - 1))) {
            end--;
        }
        String folded = name.substring(start, end).toLowerCase(Locale.ROOT);
        return RESERVED_HEADERS.contains(folded) ? folded : null;
    }

    /** What Java's {@code trim()} and JavaScript's {@code trim()} remove, together. */
    private static boolean trimmed(char c) {
        return c <= ' ' || Character.isWhitespace(c) || Character.isSpaceChar(c) || c == '\uFEFF';
    }

    public Envelope {
        headers = headers == null ? Map.of() : headers;
        body = body == null ? new byte[0] : body;
    }

    public static Envelope roomEvent(String room, String event, String user) {
        return new Envelope(Stream.room(room), event, null, room, user, null, Map.of(), new byte[0]);
    }
}
