package io.roomcast.bus;

/** A message larger than the bus accepts; refused before it reaches the bus (HTTP 413). */
public class MessageTooLargeException extends IllegalArgumentException {
    public MessageTooLargeException(String message) {
        super(message);
    }
}
