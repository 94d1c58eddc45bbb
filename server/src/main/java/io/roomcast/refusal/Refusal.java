package io.roomcast.refusal;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * A request the node will not serve, and why: a {@link Code} for machines and a message, for a person, that
 * says what was wrong and what to do instead. A STOMP session sends it as a refusal on
 * {@code /user/queue/errors} (the connection stays open); the HTTP side answers it with the code's status
 * and a JSON body. Immutable; it has no stack trace, as it is an answer and not a fault.
 */
public final class Refusal extends Exception {
    /** Which failure, on both protocols. The README's error-code table documents each one. */
    public enum Code {
        BAD_REQUEST(400),
        BAD_JSON(400),
        INVALID_REQUEST(400),
        INVALID_ROOM(400),
        INVALID_USER(400),
        RESERVED_HEADER(400),
        MISSING_HEADER(0),
        UNKNOWN_DESTINATION(0),
        UNKNOWN_SUBSCRIPTION(0),
        DUPLICATE_SUBSCRIPTION(0),
        DUPLICATE_DESTINATION(0),
        UNSUPPORTED(0),
        UNAUTHORIZED(401),
        FORBIDDEN(403),
        INVALID_TOKEN(0),
        TOKEN_EXPIRED(0),
        BACKEND_UNAVAILABLE(503),
        NOT_A_MEMBER(0),
        RECIPIENT_NOT_IN_ROOM(0),
        ORIGIN_NOT_ALLOWED(403),
        NOT_FOUND(404),
        METHOD_NOT_ALLOWED(405),
        TOO_LARGE(413),
        TOO_MANY_SUBSCRIPTIONS(0),
        TOO_MANY_ROOMS(0),
        RATE_LIMITED(0),
        CONNECTIONS_PER_USER(0),
        CONNECTIONS_PER_IP(429),
        CONNECT_RATE_PER_IP(429),
        HTTP_CONNECTIONS_PER_IP(429),
        CONNECTIONS(503),
        BUS_UNAVAILABLE(503),
        CONNECT_TIMEOUT(0),
        HEARTBEAT_TIMEOUT(0),
        SLOW_CONSUMER(0),
        DISCONNECTED(0),
        INTERNAL(500);

        private final String code;
        private final int httpStatus;

        Code(int httpStatus) {
            this.code = name().toLowerCase(Locale.ROOT).replace('_', '-');
            this.httpStatus = httpStatus;
        }

        /** As it goes on the wire: lower case with dashes, such as {@code not-a-member}. */
        public String code() {
            return code;
        }

        /** The HTTP status it is answered with, or 0 for a code that only a STOMP client ever gets. */
        public int httpStatus() {
            return httpStatus;
        }

        /** The code that {@code code} spells, if any. */
        public static Optional<Code> of(String code) {
            return Arrays.stream(values()).filter(c -> c.code.equals(code)).findFirst();
        }

        @Override
        public String toString() {
            return code;
        }
    }

    private final Code code;

    /**
     * @param code    which failure
     * @param message what was wrong and what to do instead, for a person
     */
    public Refusal(Code code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    public Code code() {
        return code;
    }

    /** The HTTP status to answer with; a code that only STOMP uses reaching HTTP is the node's own bug. */
    public int httpStatus() {
        return code.httpStatus() != 0 ? code.httpStatus() : Code.INTERNAL.httpStatus();
    }
}
