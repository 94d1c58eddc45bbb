package io.roomcast.spring;

/** The publisher can't be built from {@code roomcast.publisher.*}: the message names the property and why. */
public class RoomcastConfigurationException extends RuntimeException {
    public RoomcastConfigurationException(String message, Throwable cause) {
        super(message, cause);
    }
}
