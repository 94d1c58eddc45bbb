package io.roomcast.access;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One answer of an access backend, read strictly: a JSON object whose fields have the types the contract says,
 * or an {@link IllegalArgumentException} that names the field and what it should be. Unknown fields are
 * ignored, so that a backend may send more than this node reads; a field set to JSON {@code null} counts as
 * absent, as many serializers write them.
 *
 * <p>Immutable, thread-safe.
 */
final class BackendAnswer {
    /** The longest reason passed on from a backend, in characters; the rest is cut, since clients read it. */
    static final int MAX_REASON_LENGTH = 200;

    private final JsonNode json;

    private BackendAnswer(JsonNode json) {
        this.json = json;
    }

    /** @throws IllegalArgumentException if {@code body} is not one JSON object */
    static BackendAnswer parse(byte[] body) {
        JsonNode json;
        try {
            json = AccessBackend.JSON.readTree(body);
        } catch (JacksonException e) {
            throw new IllegalArgumentException("it is not JSON (" + e.getOriginalMessage() + ")");
        } catch (IOException e) {
            throw new IllegalArgumentException("it could not be read (" + e.getMessage() + ")");
        }
        if (json == null || !json.isObject()) {
            throw new IllegalArgumentException("it is not a JSON object");
        }
        return new BackendAnswer(json);
    }

    /** The required {@code allow}. */
    boolean allow() {
        JsonNode allow = field("allow");
        if (allow == null || !allow.isBoolean()) {
            throw new IllegalArgumentException("'allow' must be true or false, and is "
                    + (allow == null ? "missing" : "a " + allow.getNodeType().name().toLowerCase(Locale.ROOT)));
        }
        return allow.booleanValue();
    }

    /** An optional string; null when absent. */
    String string(String name) {
        JsonNode value = field(name);
        if (value == null) {
            return null;
        }
        if (!value.isTextual()) {
            throw new IllegalArgumentException("'" + name + "' must be a string");
        }
        return value.textValue();
    }

    /** The optional {@code reason}, cut to {@link #MAX_REASON_LENGTH}; null when absent or empty. */
    String reason() {
        String reason = string("reason");
        if (reason == null || reason.isBlank()) {
            return null;
        }
        return reason.length() <= MAX_REASON_LENGTH ? reason : reason.substring(0, MAX_REASON_LENGTH) + "…";
    }

    /** An optional list of strings; null when absent. */
    List<String> strings(String name) {
        JsonNode value = field(name);
        if (value == null) {
            return null;
        }
        if (!value.isArray()) {
            throw new IllegalArgumentException("'" + name + "' must be a list of strings");
        }
        List<String> strings = new ArrayList<>(value.size());
        for (JsonNode s : value) {
            if (!s.isTextual()) {
                throw new IllegalArgumentException("'" + name + "' must be a list of strings, and holds " + s);
            }
            strings.add(s.textValue());
        }
        return strings;
    }

    /** An optional JSON object, as read-only Java values ({@link #plain}); empty when absent. */
    @SuppressWarnings("unchecked")
    Map<String, Object> object(String name) {
        JsonNode value = field(name);
        if (value == null) {
            return Map.of();
        }
        if (!value.isObject()) {
            throw new IllegalArgumentException("'" + name + "' must be a JSON object");
        }
        return (Map<String, Object>) plain(value);
    }

    /** An optional value of any JSON type, as read-only Java values ({@link #plain}); null when absent. */
    Object value(String name) {
        JsonNode value = field(name);
        return value == null ? null : plain(value);
    }

    /** An optional time in whole seconds since the epoch; null when absent. */
    Instant epochSeconds(String name) {
        JsonNode value = field(name);
        if (value == null) {
            return null;
        }
        if (!value.isIntegralNumber() || !value.canConvertToLong()) {
            throw new IllegalArgumentException("'" + name + "' must be a whole number of seconds since the epoch");
        }
        try {
            return Instant.ofEpochSecond(value.longValue());
        } catch (DateTimeException e) {
            throw new IllegalArgumentException("'" + name + "' is out of range: " + value.longValue());
        }
    }

    private JsonNode field(String name) {
        JsonNode value = json.get(name);
        return value == null || value.isNull() ? null : value;
    }

    /**
     * A JSON value as the plain, read-only Java a JSON parser gives ({@link RoomGrants#parse} reads that):
     * objects as maps in their order, arrays as lists, then strings, numbers, booleans and null. The recursion is
     * as deep as the JSON, which the parser's nesting limit and {@link AccessBackend#MAX_ANSWER_BYTES} bound.
     */
    private static Object plain(JsonNode node) {
        return switch (node.getNodeType()) {
            case OBJECT -> {
                Map<String, Object> map = new LinkedHashMap<>();
                for (Map.Entry<String, JsonNode> e : node.properties()) {
                    map.put(e.getKey(), plain(e.getValue()));
                }
                yield Collections.unmodifiableMap(map);
            }
            case ARRAY -> {
                List<Object> list = new ArrayList<>(node.size());
                for (JsonNode item : node) {
                    list.add(plain(item));
                }
                yield Collections.unmodifiableList(list);
            }
            case STRING -> node.textValue();
            case NUMBER -> node.numberValue();
            case BOOLEAN -> node.booleanValue();
            default -> null;
        };
    }
}
