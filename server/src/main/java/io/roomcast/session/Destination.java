package io.roomcast.session;

import io.roomcast.bus.Ids;
import io.roomcast.bus.Stream;
import io.roomcast.refusal.Refusal;
import io.roomcast.refusal.Refusal.Code;

/**
 * A STOMP destination a client may subscribe or send to, as DESIGN.md's protocol table defines them.
 *
 * @param kind   what it is
 * @param text   the destination exactly as the client wrote it (aliases stay aliases on the way back)
 * @param stream the bus stream behind it; null for {@link Kind#ERRORS} and the send-only kinds
 * @param room   the room for {@link Kind#ROOM}, {@link Kind#PRESENCE} and {@link Kind#POST}, else null
 */
public record Destination(Kind kind, String text, Stream stream, String room) {
    public enum Kind { ROOM, USER, BROADCAST, ERRORS, PRESENCE, POST, WHISPER, TOKEN }

    public static final String ROOM_TOPIC_PREFIX = "/topic/room.";
    public static final String ROOM_SEND_PREFIX = "/app/room.";
    public static final String USER_QUEUE = "/user/queue/messages";
    public static final String USER_QUEUE_ALIAS = "/user/queue/sendUser";
    public static final String BROADCAST_TOPIC = "/topic/broadcast";
    public static final String BROADCAST_TOPIC_ALIAS = "/topic/sendTopic";
    public static final String ERRORS_QUEUE = "/user/queue/errors";
    public static final String WHISPER = "/app/whisper";
    /** A refresh: the body is the connection's new token. */
    public static final String TOKEN = "/app/token";
    /** A one-shot subscription: answered with one {@code event:presence} MESSAGE, then nothing more. */
    public static final String PRESENCE_PREFIX = "/app/presence.";

    /** A destination for SUBSCRIBE. */
    public static Destination forSubscribe(String text, int maxRoomLength) throws Refusal {
        if (text.startsWith(ROOM_TOPIC_PREFIX)) {
            String room = room(text.substring(ROOM_TOPIC_PREFIX.length()), maxRoomLength);
            return new Destination(Kind.ROOM, text, Stream.room(room), room);
        }
        if (text.startsWith(PRESENCE_PREFIX)) {
            String room = room(text.substring(PRESENCE_PREFIX.length()), maxRoomLength);
            return new Destination(Kind.PRESENCE, text, Stream.room(room), room);
        }
        return switch (text) {
            case USER_QUEUE, USER_QUEUE_ALIAS -> new Destination(Kind.USER, text, null, null);
            case BROADCAST_TOPIC, BROADCAST_TOPIC_ALIAS -> new Destination(Kind.BROADCAST, text, Stream.BROADCAST, null);
            case ERRORS_QUEUE -> new Destination(Kind.ERRORS, text, null, null);
            default -> throw new Refusal(Code.UNKNOWN_DESTINATION, "cannot subscribe to '" + text + "': use "
                    + ROOM_TOPIC_PREFIX + "{room}, " + USER_QUEUE + ", " + BROADCAST_TOPIC + ", " + ERRORS_QUEUE
                    + " or " + PRESENCE_PREFIX + "{room}");
        };
    }

    /** A destination for SEND. */
    public static Destination forSend(String text, int maxRoomLength) throws Refusal {
        if (text.startsWith(ROOM_SEND_PREFIX)) {
            String room = room(text.substring(ROOM_SEND_PREFIX.length()), maxRoomLength);
            return new Destination(Kind.POST, text, Stream.room(room), room);
        }
        if (text.equals(WHISPER)) {
            return new Destination(Kind.WHISPER, text, null, null);
        }
        if (text.equals(TOKEN)) {
            return new Destination(Kind.TOKEN, text, null, null);
        }
        throw new Refusal(Code.UNKNOWN_DESTINATION, "cannot send to '" + text + "': use " + ROOM_SEND_PREFIX
                + "{room}, " + WHISPER + " (with 'room' and 'to' headers) or " + TOKEN + " (a new token)");
    }

    /** Checks a room id ({@link Ids}); also used for the {@code room} header of a whisper and by the HTTP API. */
    public static String room(String room, int maxRoomLength) throws Refusal {
        String problem = Ids.roomProblem(room, maxRoomLength);
        if (problem != null) {
            throw new Refusal(Code.INVALID_ROOM, problem);
        }
        return room;
    }
}
