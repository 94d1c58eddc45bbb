package io.roomcast.bus;

/** The bus can't accept messages right now; the HTTP API answers 503. */
public class BusUnavailableException extends RuntimeException {
    public BusUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
