package io.roomcast.auth;

/** Credentials were missing or not accepted; the message is sent to the client in the ERROR frame. */
public final class AuthenticationException extends Exception {
    public AuthenticationException(String message) {
        super(message, null, false, false);
    }
}
