package io.roomcast.stomp;

import io.roomcast.refusal.Refusal.Code;

import java.nio.charset.StandardCharsets;

/**
 * One decoded STOMP frame: a command, its headers and a body.
 *
 * <p>The body is a plain byte array: frames are small (bounded by the frame-size limit), bodies move on to
 * the bus and into history, and a heap array needs no reference counting on the way. A frame that failed to
 * decode has {@link #failure()} set and nothing else is meaningful.
 */
public final class StompFrame {
    private static final byte[] EMPTY = new byte[0];

    private final StompCommand command;
    private final StompHeaders headers;
    private final byte[] body;
    private final String failure;
    private final Code failureCode;

    private StompFrame(StompCommand command, StompHeaders headers, byte[] body, String failure, Code failureCode) {
        this.command = command;
        this.headers = headers;
        this.body = body;
        this.failure = failure;
        this.failureCode = failureCode;
    }

    public static StompFrame of(StompCommand command, StompHeaders headers, byte[] body) {
        return new StompFrame(command, headers, body == null ? EMPTY : body, null, null);
    }

    public static StompFrame of(StompCommand command, StompHeaders headers) {
        return of(command, headers, EMPTY);
    }

    /** A frame that is malformed; {@code reason} is sent back to the client in the ERROR frame. */
    public static StompFrame failed(String reason) {
        return new StompFrame(null, new StompHeaders(0), EMPTY, reason, Code.BAD_REQUEST);
    }

    /** A frame, or a part of one, over its size limit; {@code reason} says which limit, as {@link #failed}. */
    public static StompFrame tooLarge(String reason) {
        return new StompFrame(null, new StompHeaders(0), EMPTY, reason, Code.TOO_LARGE);
    }

    public StompCommand command() {
        return command;
    }

    public StompHeaders headers() {
        return headers;
    }

    public String header(String name) {
        return headers.get(name);
    }

    public byte[] body() {
        return body;
    }

    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }

    /** @return why decoding failed, or {@code null} for a good frame */
    public String failure() {
        return failure;
    }

    /** @return which failure, {@code bad-request} or {@code too-large}; null for a good frame */
    public Code failureCode() {
        return failureCode;
    }

    public boolean isFailed() {
        return failure != null;
    }

    @Override
    public String toString() {
        return failure != null ? "StompFrame[failed: " + failure + "]"
                : "StompFrame[" + command + " " + headers + " body=" + body.length + "B]";
    }
}
