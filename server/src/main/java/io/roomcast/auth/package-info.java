/**
 * Who a connection is: the CONNECT frame's credentials checked by an {@link io.roomcast.auth.Authenticator}.
 * {@code insecure} trusts the {@code login} header (demo only); {@code jwt} verifies HS256 or RS256 tokens.
 */
package io.roomcast.auth;
