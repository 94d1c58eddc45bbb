package io.roomcast.bus;

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
     * Headers a node writes on every MESSAGE itself (or that STOMP reserves), so a publisher may not supply them
     * among its application headers: the HTTP API and the SDK refuse them alike.
     */
    public static final Set<String> RESERVED_HEADERS = Set.of("destination", "subscription", "message-id",
            "content-length", "content-type", "event", "from", "room", "user", "position", "receipt", "receipt-id");

    public Envelope {
        headers = headers == null ? Map.of() : headers;
        body = body == null ? new byte[0] : body;
    }

    public static Envelope roomEvent(String room, String event, String user) {
        return new Envelope(Stream.room(room), event, null, room, user, null, Map.of(), new byte[0]);
    }
}
