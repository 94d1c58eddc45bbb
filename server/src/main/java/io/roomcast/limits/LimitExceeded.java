package io.roomcast.limits;

/** A client hit an abuse limit: {@code limit} names it (a metrics label), the message says it to the client. */
public final class LimitExceeded extends Exception {
    private final String limit;
    private final int httpStatus;

    public LimitExceeded(String limit, int httpStatus, String message) {
        super(message, null, false, false);
        this.limit = limit;
        this.httpStatus = httpStatus;
    }

    public String limit() {
        return limit;
    }

    public int httpStatus() {
        return httpStatus;
    }
}
