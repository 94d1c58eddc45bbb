package io.roomcast.client;

/** The publisher could not start: RocketMQ unreachable, bad settings. The message says which and why. */
public class RoomcastStartException extends RuntimeException {
    public RoomcastStartException(String message, Throwable cause) {
        super(message, cause);
    }
}
