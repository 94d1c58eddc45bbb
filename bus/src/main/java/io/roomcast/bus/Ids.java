package io.roomcast.bus;

import java.util.regex.Pattern;

/**
 * What a room id and a user id may be. Nodes (SUBSCRIBE, SEND, the HTTP API, authentication) and publishers
 * (the SDK, which may put a message on the bus with no node in between) check them with these same rules, so
 * that nothing one side refuses can reach the other. Stateless, thread-safe.
 */
public final class Ids {
    /** Letters, digits and {@code . _ ~ -}, starting with a letter or digit: safe in destinations and URLs. */
    public static final Pattern ROOM_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.~-]*");
    /** A node's {@code --max-room-length} unless set otherwise; what the SDK holds rooms to. */
    public static final int DEFAULT_MAX_ROOM_LENGTH = 64;
    /** The longest user id, in characters: it travels in headers, destinations and logs. */
    public static final int MAX_USER_LENGTH = 128;

    private Ids() {
    }

    /** @return what is wrong with {@code room} as a room id of at most {@code maxLength}, or null when nothing */
    public static String roomProblem(String room, int maxLength) {
        if (room == null || room.isEmpty() || room.length() > maxLength || !ROOM_ID.matcher(room).matches()) {
            return "invalid room id '" + abbreviate(String.valueOf(room)) + "': use 1 to " + maxLength
                    + " letters, digits or . _ ~ -, starting with a letter or digit";
        }
        return null;
    }

    /** @return what is wrong with {@code user} as a user id, or null when nothing */
    public static String userProblem(String user) {
        if (user == null || user.isBlank()) {
            return "the user id is empty";
        }
        if (user.length() > MAX_USER_LENGTH) {
            return "the user id is longer than " + MAX_USER_LENGTH + " characters";
        }
        for (int i = 0; i < user.length(); i++) {
            if (Character.isISOControl(user.charAt(i))) {
                return "the user id contains a control character";
            }
        }
        return null;
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "...";
    }
}
