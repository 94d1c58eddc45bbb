package io.roomcast.access;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/** What a member may do in a room. The wire names are lower case: {@code join}, {@code post}, ... */
public enum Capability {
    /** Subscribe to the room: receive its messages and join/leave events, and be in its presence. */
    JOIN,
    /** Send to the room ({@code SEND /app/room.{room}}). */
    POST,
    /** Whisper to another member of the room. */
    WHISPER,
    /** Ask who is in the room ({@code SUBSCRIBE /app/presence.{room}}). */
    PRESENCE,
    /** Moderate the room: kick, mute, set member roles (the moderation commands). */
    MODERATE;

    /** What a plain grant of a room gives: everything but moderation. */
    public static final Set<Capability> MEMBER = Set.copyOf(EnumSet.of(JOIN, POST, WHISPER, PRESENCE));
    public static final Set<Capability> ALL = Set.copyOf(EnumSet.allOf(Capability.class));

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The capability named {@code name} ({@code join}, {@code post}, {@code whisper}, {@code presence},
     * {@code moderate}).
     *
     * @throws IllegalArgumentException naming the accepted ones
     */
    public static Capability parse(String name) {
        for (Capability c : values()) {
            if (c.wireName().equals(name)) {
                return c;
            }
        }
        throw new IllegalArgumentException("unknown capability '" + name + "': use join, post, whisper, presence"
                + " or moderate");
    }
}
