package io.roomcast.stomp;

import java.util.ArrayList;
import java.util.List;

/**
 * An ordered list of STOMP headers. When a name repeats, the first value wins, as STOMP 1.2 requires; the
 * later ones are kept only so that the frame can be reproduced exactly.
 *
 * <p>Not thread-safe; a frame belongs to the thread that decoded it.
 */
public final class StompHeaders {
    private final List<String> names;
    private final List<String> values;

    public StompHeaders() {
        this(8);
    }

    public StompHeaders(int expected) {
        names = new ArrayList<>(expected);
        values = new ArrayList<>(expected);
    }

    public StompHeaders add(String name, String value) {
        names.add(name);
        values.add(value);
        return this;
    }

    /** Adds the header only when {@code value} is not null: handy for optional headers. */
    public StompHeaders addIfPresent(String name, String value) {
        return value == null ? this : add(name, value);
    }

    /** @return the first value of {@code name}, or {@code null} when the header is absent */
    public String get(String name) {
        for (int i = 0; i < names.size(); i++) {
            if (names.get(i).equals(name)) {
                return values.get(i);
            }
        }
        return null;
    }

    public int size() {
        return names.size();
    }

    public String name(int i) {
        return names.get(i);
    }

    public String value(int i) {
        return values.get(i);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("{");
        for (int i = 0; i < names.size(); i++) {
            if (i > 0) {
                sb.append(", ");
            }
            boolean secret = names.get(i).equals("passcode") || names.get(i).equalsIgnoreCase("Authorization");
            sb.append(names.get(i)).append('=').append(secret ? "***" : values.get(i));
        }
        return sb.append('}').toString();
    }

    /** Escapes a header name or value for every frame except CONNECT and CONNECTED (STOMP 1.2). */
    public static String escape(String s) {
        int n = s.length();
        StringBuilder sb = null;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            String rep = switch (c) {
                case '\\' -> "\\\\";
                case '\n' -> "\\n";
                case '\r' -> "\\r";
                case ':' -> "\\c";
                default -> null;
            };
            if (rep != null) {
                if (sb == null) {
                    sb = new StringBuilder(n + 8).append(s, 0, i);
                }
                sb.append(rep);
            } else if (sb != null) {
                sb.append(c);
            }
        }
        return sb == null ? s : sb.toString();
    }

    /**
     * Reverses {@link #escape}.
     *
     * @return the unescaped text, or {@code null} when {@code s} holds an escape STOMP 1.2 does not define
     *     (which the spec says must be treated as a fatal protocol error)
     */
    public static String unescape(String s) {
        int slash = s.indexOf('\\');
        if (slash < 0) {
            return s;
        }
        StringBuilder sb = new StringBuilder(s.length()).append(s, 0, slash);
        for (int i = slash; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            if (++i == s.length()) {
                return null;
            }
            switch (s.charAt(i)) {
                case '\\' -> sb.append('\\');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 'c' -> sb.append(':');
                default -> {
                    return null;
                }
            }
        }
        return sb.toString();
    }
}
