package io.roomcast.client;

/**
 * A send that did not happen: the node or the broker refused it or could not be reached. The message and
 * the cause say why; {@link #status()} and {@link #code()} carry the HTTP API's answer where there was one.
 */
public class RoomcastPublishException extends RuntimeException {
    private final int status;
    private final String code;

    public RoomcastPublishException(String message, Throwable cause) {
        this(message, cause, 0, null);
    }

    public RoomcastPublishException(String message, Throwable cause, int status, String code) {
        super(message, cause);
        this.status = status;
        this.code = code;
    }

    /** The HTTP status of the node's answer, or 0 when no node answered. */
    public int status() {
        return status;
    }

    /** The node's error code (such as {@code too-large}; the README lists them), or null. */
    public String code() {
        return code;
    }
}
