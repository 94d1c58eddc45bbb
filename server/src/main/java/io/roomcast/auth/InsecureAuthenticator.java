package io.roomcast.auth;

import io.roomcast.stomp.StompHeaders;

/** Trusts the {@code login} header. For the embedded demo and tests only; the node warns at start-up. */
public final class InsecureAuthenticator implements Authenticator {
    @Override
    public Principal authenticate(StompHeaders headers) throws AuthenticationException {
        String login = headers.get("login");
        if (login == null || login.isEmpty()) {
            throw new AuthenticationException(
                    "missing 'login' header: in insecure mode CONNECT must name the user in 'login'");
        }
        return Principal.of(Authenticator.checkUser(login));
    }
}
