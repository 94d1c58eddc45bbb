package io.roomcast.auth;

import io.roomcast.stomp.StompHeaders;

/**
 * Decides who a CONNECT frame speaks for. Implementations are thread-safe and do not block: they run on the
 * connection's event loop.
 */
public interface Authenticator {
    /** The longest user id accepted, in characters. */
    int MAX_USER_LENGTH = 128;

    /** @return who the CONNECT frame speaks for */
    Principal authenticate(StompHeaders connectHeaders) throws AuthenticationException;

    /** Checks that a user id is usable in destinations, headers and logs. */
    static String checkUser(String user) throws AuthenticationException {
        if (user == null || user.isBlank()) {
            throw new AuthenticationException("the user id is empty");
        }
        if (user.length() > MAX_USER_LENGTH) {
            throw new AuthenticationException("the user id is longer than " + MAX_USER_LENGTH + " characters");
        }
        for (int i = 0; i < user.length(); i++) {
            if (Character.isISOControl(user.charAt(i))) {
                throw new AuthenticationException("the user id contains a control character");
            }
        }
        return user;
    }
}
