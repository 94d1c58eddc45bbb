package io.roomcast.access;

import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The rooms a token grants, with what it allows in each: the JWT's {@code rooms} claim. Two forms:
 * <ul>
 *   <li>a list of room patterns, each granting {@link Capability#MEMBER}:
 *       {@code "rooms": ["lobby", "team-7-*"]};</li>
 *   <li>an object from pattern to capabilities:
 *       {@code "rooms": {"lobby": ["join", "post"], "stage-*": ["join"], "ops": ["join", "post", "moderate"]}}.</li>
 * </ul>
 * A pattern is an exact room id, or a prefix followed by {@code *} ({@code team-7-*} matches {@code team-7-a}
 * and {@code team-7-}). A room several patterns match gets all their capabilities.
 *
 * <p>Immutable, thread-safe.
 */
public final class RoomGrants {
    public static final RoomGrants NONE = new RoomGrants(Map.of());
    /** The most patterns one token may carry: every join walks them. */
    public static final int MAX_PATTERNS = 256;

    private final Map<String, Set<Capability>> exact;
    private final List<Map.Entry<String, Set<Capability>>> prefixes;

    private RoomGrants(Map<String, Set<Capability>> patterns) {
        Map<String, Set<Capability>> e = new LinkedHashMap<>();
        List<Map.Entry<String, Set<Capability>>> p = new ArrayList<>();
        patterns.forEach((pattern, can) -> {
            if (pattern.endsWith("*")) {
                p.add(Map.entry(pattern.substring(0, pattern.length() - 1), can));
            } else {
                e.put(pattern, can);
            }
        });
        this.exact = Map.copyOf(e);
        this.prefixes = List.copyOf(p);
    }

    /** Grants built from patterns, each to its capabilities. */
    public static RoomGrants of(Map<String, Set<Capability>> patterns) {
        return new RoomGrants(patterns);
    }

    /**
     * Reads the {@code rooms} claim as a JSON parser gives it (a list of strings, or a map of string to list
     * of strings); null means no claim, which grants nothing.
     *
     * @throws IllegalArgumentException saying what is wrong with the claim
     */
    public static RoomGrants parse(Object claim) {
        if (claim == null) {
            return NONE;
        }
        Map<String, Set<Capability>> patterns = new LinkedHashMap<>();
        if (claim instanceof Collection<?> list) {
            for (Object pattern : list) {
                patterns.put(pattern(pattern), Capability.MEMBER);
            }
        } else if (claim instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                patterns.put(pattern(entry.getKey()), capabilities(entry.getKey(), entry.getValue()));
            }
        } else {
            throw new IllegalArgumentException("'rooms' must be a list of room patterns or an object from pattern to"
                    + " capabilities");
        }
        if (patterns.size() > MAX_PATTERNS) {
            throw new IllegalArgumentException("'rooms' has " + patterns.size() + " patterns; at most " + MAX_PATTERNS);
        }
        return new RoomGrants(patterns);
    }

    private static String pattern(Object pattern) {
        if (!(pattern instanceof String s) || s.isEmpty() || s.indexOf('*') >= 0 && s.indexOf('*') != s.length() - 1) {
            throw new IllegalArgumentException("'rooms' pattern " + pattern + " must be a room id, or a prefix"
                    + " ending in '*'");
        }
        return s;
    }

    private static Set<Capability> capabilities(Object pattern, Object value) {
        if (!(value instanceof Collection<?> names)) {
            throw new IllegalArgumentException("'rooms' pattern '" + pattern + "' must map to a list of capabilities"
                    + " such as [\"join\", \"post\"]");
        }
        EnumSet<Capability> can = EnumSet.noneOf(Capability.class);
        for (Object name : names) {
            can.add(Capability.parse(String.valueOf(name)));
        }
        return Set.copyOf(can);
    }

    /** What these grants allow in {@code room}: the union over every pattern that matches it. */
    public Set<Capability> in(String room) {
        Set<Capability> direct = exact.get(room);
        if (prefixes.isEmpty()) {
            return direct == null ? Set.of() : direct;
        }
        EnumSet<Capability> can = EnumSet.noneOf(Capability.class);
        if (direct != null) {
            can.addAll(direct);
        }
        for (Map.Entry<String, Set<Capability>> p : prefixes) {
            if (room.startsWith(p.getKey())) {
                can.addAll(p.getValue());
            }
        }
        return can;
    }

    public boolean isEmpty() {
        return exact.isEmpty() && prefixes.isEmpty();
    }
}
