package io.roomcast.bus;

import java.util.Objects;

/**
 * A totally ordered stream of messages: one room, one user's private stream (whispers and direct messages),
 * the global broadcast stream, or the nodes' own control stream. Immutable.
 */
public final class Stream {
    public enum Kind { ROOM, USER, BROADCAST, CONTROL }

    public static final Stream BROADCAST = new Stream(Kind.BROADCAST, "");
    /** Node-to-node messages (presence, heartbeats); never delivered to clients. */
    public static final Stream CONTROL = new Stream(Kind.CONTROL, "");

    private final Kind kind;
    private final String name;
    private final String key;

    private Stream(Kind kind, String name) {
        this.kind = kind;
        this.name = name;
        this.key = switch (kind) {
            case ROOM -> "room:" + name;
            case USER -> "user:" + name;
            case BROADCAST -> "broadcast";
            case CONTROL -> "control";
        };
    }

    public static Stream room(String room) {
        return new Stream(Kind.ROOM, Objects.requireNonNull(room));
    }

    public static Stream user(String user) {
        return new Stream(Kind.USER, Objects.requireNonNull(user));
    }

    /** Parses {@link #key()}; @return null for a key that names no stream */
    public static Stream ofKey(String key) {
        if (key.equals("broadcast")) {
            return BROADCAST;
        }
        if (key.equals("control")) {
            return CONTROL;
        }
        if (key.startsWith("room:")) {
            return room(key.substring(5));
        }
        if (key.startsWith("user:")) {
            return user(key.substring(5));
        }
        return null;
    }

    public Kind kind() {
        return kind;
    }

    /** The room id or user id; empty for the broadcast stream. */
    public String name() {
        return name;
    }

    /** A unique string for the stream; also what the partition is derived from. */
    public String key() {
        return key;
    }

    /**
     * The stream's partition among {@code partitions}. Every node and every publisher must agree on this, so
     * it is a fixed function of the key (String.hashCode is specified by the JLS), never a JVM-dependent hash.
     */
    public int partition(int partitions) {
        return Math.floorMod(key.hashCode(), partitions);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Stream s && s.key.equals(key);
    }

    @Override
    public int hashCode() {
        return key.hashCode();
    }

    @Override
    public String toString() {
        return key;
    }
}
