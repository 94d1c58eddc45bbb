package io.roomcast.access;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Whether a user may join a room, and with what.
 *
 * <p>Immutable and thread-safe. The record copies {@code member} at the top level only; the proxy's decisions are
 * read-only all the way down, and other callers should hand over nested values they no longer change.
 *
 * @param allowed whether the join goes ahead
 * @param can     what the member may do in the room; empty when not allowed
 * @param member  the member's attributes as the backend gave them (a JSON object: the values are strings,
 *                numbers, booleans, null, lists and maps); empty when none or not allowed
 * @param code    {@link AccessDecision#FORBIDDEN} or {@link AccessDecision#BACKEND_UNAVAILABLE}; null when allowed
 * @param reason  what happened, for a person; null when allowed
 */
public record JoinDecision(boolean allowed, Set<Capability> can, Map<String, Object> member, String code,
                           String reason) implements AccessDecision {

    public JoinDecision {
        AccessDecision.check(allowed, code, reason);
        can = Set.copyOf(can);
        // Not Map.copyOf: a JSON object may hold nulls.
        member = Collections.unmodifiableMap(new LinkedHashMap<>(member));
    }

    /** Join, with capabilities {@code can} and attributes {@code member}. */
    public static JoinDecision allow(Set<Capability> can, Map<String, Object> member) {
        return new JoinDecision(true, can, member, null, null);
    }

    /** Join as a plain member ({@link Capability#MEMBER}), with no attributes. */
    public static JoinDecision asMember() {
        return allow(Capability.MEMBER, Map.of());
    }

    /** Not allowed: the backend (or a rule) said no, for {@code reason}. */
    public static JoinDecision refuse(String reason) {
        return new JoinDecision(false, Set.of(), Map.of(), FORBIDDEN, reason);
    }

    /** Not allowed, because there was no usable answer: {@code reason} says why. */
    public static JoinDecision unavailable(String reason) {
        return new JoinDecision(false, Set.of(), Map.of(), BACKEND_UNAVAILABLE, reason);
    }
}
