package io.roomcast.stomp;

/**
 * Size limits the decoder enforces before it buffers or allocates anything more.
 *
 * @param maxFrameBytes   the whole frame: command, headers, body and the terminating NUL
 * @param maxBodyBytes    the body alone
 * @param maxHeaders      headers in one frame
 * @param maxHeaderLength bytes in one header line (name, colon and value)
 */
public record StompLimits(int maxFrameBytes, int maxBodyBytes, int maxHeaders, int maxHeaderLength) {
    public static final int DEFAULT_MAX_FRAME_BYTES = 64 * 1024;
    public static final int DEFAULT_MAX_BODY_BYTES = 64 * 1024;
    public static final int DEFAULT_MAX_HEADERS = 32;
    public static final int DEFAULT_MAX_HEADER_LENGTH = 4096;

    public static StompLimits defaults() {
        return new StompLimits(DEFAULT_MAX_FRAME_BYTES, DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_HEADERS,
                DEFAULT_MAX_HEADER_LENGTH);
    }
}
