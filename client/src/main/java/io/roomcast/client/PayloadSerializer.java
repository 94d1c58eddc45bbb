package io.roomcast.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.nio.charset.StandardCharsets;

/**
 * Turns a payload object into bytes and a content type. Strings are text and {@code byte[]} go as they are,
 * whatever the serializer; everything else goes through {@link #serialize}.
 */
@FunctionalInterface
public interface PayloadSerializer {
    /** @return the JSON (or other) bytes of {@code payload}, never null */
    Payload serialize(Object payload) throws Exception;

    /** A serialized payload. */
    record Payload(byte[] bytes, String contentType) {
    }

    static PayloadSerializer jackson() {
        return jackson(new ObjectMapper());
    }

    static PayloadSerializer jackson(ObjectMapper mapper) {
        return payload -> new Payload(mapper.writeValueAsBytes(payload), "application/json");
    }

    /** Applies the rules above and the checks every transport makes before it sends. */
    static Payload encode(PayloadSerializer serializer, Object payload, int maxBytes) {
        if (payload == null) {
            throw new IllegalArgumentException("the payload is null: there is nothing to send");
        }
        Payload p;
        if (payload instanceof String s) {
            p = new Payload(s.getBytes(StandardCharsets.UTF_8), "text/plain;charset=utf-8");
        } else if (payload instanceof byte[] b) {
            p = new Payload(b, "application/octet-stream");
        } else {
            try {
                p = serializer.serialize(payload);
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException("the payload (" + payload.getClass().getName()
                        + ") cannot be serialized: " + e.getOriginalMessage(), e);
            } catch (Exception e) {
                throw new IllegalArgumentException("the payload (" + payload.getClass().getName()
                        + ") cannot be serialized: " + e.getMessage(), e);
            }
        }
        if (p.bytes().length == 0) {
            throw new IllegalArgumentException("the payload is empty: there is nothing to send");
        }
        if (p.bytes().length > maxBytes) {
            throw new IllegalArgumentException("the payload is " + p.bytes().length + " bytes; the limit is "
                    + maxBytes);
        }
        return p;
    }
}
