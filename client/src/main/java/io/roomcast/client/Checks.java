package io.roomcast.client;

import io.roomcast.bus.Envelope;
import io.roomcast.bus.Ids;

import java.util.Map;

/**
 * What every send is checked for before it leaves: a target, and headers a node would accept. The rules are
 * the nodes' own ({@link Ids}, {@link Envelope#reservedHeader}), so that the RocketMQ transport, which reaches
 * the bus with no node in between, can't put there what a node would refuse. Rooms are held to the nodes'
 * default {@code --max-room-length}.
 */
final class Checks {
    private Checks() {
    }

    static String room(String room) {
        if (room == null || room.isEmpty()) {
            throw new IllegalArgumentException("the room is missing: name the room to send to");
        }
        String problem = Ids.roomProblem(room, Ids.DEFAULT_MAX_ROOM_LENGTH);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        return room;
    }

    static String user(String user) {
        if (user == null || user.isBlank()) {
            throw new IllegalArgumentException("the user is missing: name the user to send to");
        }
        String problem = Ids.userProblem(user);
        if (problem != null) {
            throw new IllegalArgumentException("invalid user id: " + problem);
        }
        return user;
    }

    static Map<String, String> headers(Map<String, String> headers) {
        if (headers == null) {
            return Map.of();
        }
        if (headers.size() > Envelope.MAX_APPLICATION_HEADERS) {
            throw new IllegalArgumentException("at most " + Envelope.MAX_APPLICATION_HEADERS + " headers, got "
                    + headers.size());
        }
        headers.forEach((name, value) -> {
            if (name == null || name.isEmpty() || name.contains(":") || name.contains("\n")) {
                throw new IllegalArgumentException("header name '" + name + "' is empty or malformed");
            }
            String reserved = Envelope.reservedHeader(name);
            if (reserved != null) {
                throw new IllegalArgumentException("header '" + name + "' is reserved"
                        + (reserved.equals(name) ? "" : " (it reads as '" + reserved + "')")
                        + ": the node sets it itself; use another name for your own header");
            }
            if (value == null || value.contains("\n")) {
                throw new IllegalArgumentException("header '" + name + "' needs a one-line value");
            }
        });
        return Map.copyOf(headers);
    }
}
