package io.roomcast.room;

/**
 * A request that is valid STOMP (or valid HTTP) but not allowed: posting to a room you are not in, a whisper
 * to someone outside the room, an unknown destination. The client hears about it on
 * {@code /user/queue/errors} and keeps its connection.
 */
public final class Refusal extends Exception {
    private final String code;

    /**
     * @param code    a stable, machine-readable cause such as {@code not-a-member}
     * @param message what was wrong and what to do instead, for a person
     */
    public Refusal(String code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    public String code() {
        return code;
    }
}
