package io.roomcast.auth;

import io.jsonwebtoken.Claims;
import io.jsonwebtoken.ExpiredJwtException;
import io.jsonwebtoken.JwtException;
import io.jsonwebtoken.Jwts;
import io.jsonwebtoken.JwtParser;
import io.jsonwebtoken.LocatorAdapter;
import io.jsonwebtoken.ProtectedHeader;
import io.jsonwebtoken.UnsupportedJwtException;
import io.jsonwebtoken.security.Keys;
import io.jsonwebtoken.security.SignatureException;
import io.roomcast.stomp.StompHeaders;

import javax.crypto.SecretKey;
import java.nio.charset.StandardCharsets;
import java.security.Key;
import java.security.PublicKey;
import java.time.Duration;

/**
 * Verifies a JWT passed as {@code passcode} or as {@code Authorization: Bearer <token>}. HS256 tokens are
 * checked against the shared secret, RS256 tokens against the public key; a token signed with an algorithm
 * that has no configured key is refused. The user is the {@code sub} claim.
 *
 * <p>Thread-safe; verification is CPU only (no remote key fetch), so it may run on an event loop.
 */
public final class JwtAuthenticator implements Authenticator {
    /** Clock skew tolerated on {@code exp} and {@code nbf}. */
    public static final Duration CLOCK_SKEW = Duration.ofSeconds(30);

    private final JwtParser parser;

    /**
     * @param secret    the HS256 secret (at least 32 bytes), or null
     * @param publicKey the RS256 public key, or null; at least one of the two must be given
     */
    public JwtAuthenticator(String secret, PublicKey publicKey) {
        if (secret == null && publicKey == null) {
            throw new IllegalArgumentException("jwt auth needs --jwt-secret or --jwt-public-key");
        }
        SecretKey hmac = secret == null ? null : hmacKey(secret);
        this.parser = Jwts.parser()
                .clockSkewSeconds(CLOCK_SKEW.toSeconds())
                .keyLocator(new LocatorAdapter<Key>() {
                    @Override
                    protected Key locate(ProtectedHeader header) {
                        String alg = header.getAlgorithm();
                        if ("HS256".equals(alg) && hmac != null) {
                            return hmac;
                        }
                        if ("RS256".equals(alg) && publicKey != null) {
                            return publicKey;
                        }
                        throw new UnsupportedJwtException("tokens signed with " + alg + " are not accepted here"
                                + " (accepted: " + (hmac != null ? "HS256 " : "") + (publicKey != null ? "RS256" : "")
                                + ")");
                    }
                })
                .build();
    }

    public static SecretKey hmacKey(String secret) {
        return Keys.hmacShaKeyFor(secret.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String authenticate(StompHeaders headers) throws AuthenticationException {
        String token = token(headers);
        Claims claims;
        try {
            claims = parser.parseSignedClaims(token).getPayload();
        } catch (ExpiredJwtException e) {
            throw new AuthenticationException("token expired at " + e.getClaims().getExpiration().toInstant());
        } catch (SignatureException e) {
            throw new AuthenticationException("token signature is invalid");
        } catch (UnsupportedJwtException e) {
            throw new AuthenticationException("token not accepted: " + e.getMessage());
        } catch (JwtException | IllegalArgumentException e) {
            throw new AuthenticationException("token is invalid: " + printable(e.getMessage()));
        }
        String subject = claims.getSubject();
        if (subject == null) {
            throw new AuthenticationException("token has no 'sub' claim naming the user");
        }
        return Authenticator.checkUser(subject);
    }

    /** The first sentence of a library message, printable ASCII only, so it reads well in a header. */
    private static String printable(String message) {
        String m = message == null ? "malformed" : message.replaceAll("[^\\x20-\\x7e]", "?");
        int colon = m.indexOf(": ");
        m = colon > 0 ? m.substring(0, colon) : m;
        return m.length() > 120 ? m.substring(0, 120) : m;
    }

    private static String token(StompHeaders headers) throws AuthenticationException {
        String passcode = headers.get("passcode");
        if (passcode != null && !passcode.isEmpty()) {
            return passcode;
        }
        String authorization = headers.get("Authorization");
        if (authorization == null) {
            authorization = headers.get("authorization");
        }
        if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return authorization.substring(7).trim();
        }
        throw new AuthenticationException(
                "missing token: pass a JWT as 'passcode' or as 'Authorization: Bearer <token>'");
    }
}
