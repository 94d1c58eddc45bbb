package io.roomcast.auth;

import io.roomcast.bus.Ids;
import io.roomcast.stomp.StompHeaders;

/**
 * Decides who a CONNECT frame speaks for. Implementations are thread-safe and do not block: they run on the
 * connection's event loop.
 */
public interface Authenticator {
    /** @return who the CONNECT frame speaks for */
    Principal authenticate(StompHeaders connectHeaders) throws AuthenticationException;

    /** Checks that a user id is usable in destinations, headers and logs: the rule of {@link Ids}. */
    static String checkUser(String user) throws AuthenticationException {
        String problem = Ids.userProblem(user);
        if (problem != null) {
            throw new AuthenticationException(problem);
        }
        return user;
    }
}
