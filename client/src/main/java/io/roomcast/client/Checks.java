package io.roomcast.client;

import io.roomcast.bus.Envelope;
import io.roomcast.bus.Stream;

import java.util.Map;

/** What every send is checked for before it leaves: a target, and headers a node would accept. */
final class Checks {
    static final int MAX_HEADERS = 16;

    private Checks() {
    }

    static String room(String room) {
        if (room == null || room.isEmpty()) {
            throw new IllegalArgumentException("the room is missing: name the room to send to");
        }
        if (room.length() > 255 || !Stream.ROOM_ID.matcher(room).matches()) {
            throw new IllegalArgumentException("invalid room id '" + room + "': use letters, digits or . _ ~ -, "
                    + "starting with a letter or digit");
        }
        return room;
    }

    static String user(String user) {
        if (user == null || user.isBlank()) {
            throw new IllegalArgumentException("the user is missing: name the user to send to");
        }
        return user;
    }

    static Map<String, String> headers(Map<String, String> headers) {
        if (headers == null) {
            return Map.of();
        }
        if (headers.size() > MAX_HEADERS) {
            throw new IllegalArgumentException("at most " + MAX_HEADERS + " headers, got " + headers.size());
        }
        headers.forEach((name, value) -> {
            if (name == null || name.isEmpty() || Envelope.RESERVED_HEADERS.contains(name) || name.contains(":")
                    || name.contains("\n")) {
                throw new IllegalArgumentException("header name '" + name + "' is empty, reserved or malformed");
            }
            if (value == null || value.contains("\n")) {
                throw new IllegalArgumentException("header '" + name + "' needs a one-line value");
            }
        });
        return Map.copyOf(headers);
    }
}
