package io.roomcast.auth;

import io.jsonwebtoken.Claims;
import io.jsonwebtoken.ExpiredJwtException;
import io.jsonwebtoken.IncorrectClaimException;
import io.jsonwebtoken.JwtException;
import io.jsonwebtoken.JwtParser;
import io.jsonwebtoken.JwtParserBuilder;
import io.jsonwebtoken.Jwts;
import io.jsonwebtoken.MissingClaimException;
import io.jsonwebtoken.UnsupportedJwtException;
import io.jsonwebtoken.security.SignatureException;
import io.roomcast.access.Capability;
import io.roomcast.access.RoomGrants;
import io.roomcast.stomp.StompHeaders;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Date;
import java.util.EnumSet;
import java.util.Set;

/**
 * Verifies JWTs: the connection's, passed as {@code passcode} or as {@code Authorization: Bearer <token>} on
 * CONNECT (and again in a refresh), and room tokens passed as {@code token} on SUBSCRIBE. The keys are
 * {@link JwtKeys}; tokens must carry {@code exp} (unless {@code --jwt-require-exp false}), and the issuer and
 * audience the node is configured with. The user is the {@code sub} claim, the rooms it may enter the
 * {@code rooms} claim ({@link RoomGrants}).
 *
 * <p>Thread-safe; verification is CPU only (no remote key fetch), so it may run on an event loop.
 */
public final class JwtAuthenticator implements Authenticator {
    /** Clock skew tolerated on {@code exp} and {@code nbf}. */
    public static final Duration CLOCK_SKEW = Duration.ofSeconds(30);

    private final JwtParser parser;
    private final boolean requireExp;

    /** What a token must say besides being signed by a known key. */
    public record Rules(boolean requireExp, String issuer, String audience) {
        public static final Rules DEFAULT = new Rules(true, null, null);
    }

    public JwtAuthenticator(JwtKeys keys, Rules rules) {
        if (keys.isEmpty()) {
            throw new IllegalArgumentException("jwt auth needs --jwt-secret, --jwt-public-key or --jwt-jwks");
        }
        JwtParserBuilder builder = Jwts.parser().clockSkewSeconds(CLOCK_SKEW.toSeconds()).keyLocator(keys);
        if (rules.issuer() != null) {
            builder.requireIssuer(rules.issuer());
        }
        if (rules.audience() != null) {
            builder.requireAudience(rules.audience());
        }
        this.parser = builder.build();
        this.requireExp = rules.requireExp();
    }

    @Override
    public Principal authenticate(StompHeaders headers) throws AuthenticationException {
        return principal(token(headers));
    }

    /** The principal of a connection token (on CONNECT, or a refresh's). */
    public Principal principal(String token) throws AuthenticationException {
        Claims claims = verify(token, requireExp);
        String subject = claims.getSubject();
        if (subject == null) {
            throw new AuthenticationException("token has no 'sub' claim naming the user");
        }
        RoomGrants grants;
        try {
            grants = RoomGrants.parse(claims.get("rooms"));
        } catch (IllegalArgumentException e) {
            throw new AuthenticationException("token's " + e.getMessage());
        }
        return new Principal(Authenticator.checkUser(subject), grants, instant(claims.getExpiration()));
    }

    /**
     * What a room token ({@code token} on SUBSCRIBE) grants {@code user} in {@code room}: its {@code can} claim,
     * or {@link Capability#MEMBER} without one. It must name that user ({@code sub}) and that room
     * ({@code room}), and carry {@code exp} whatever {@code --jwt-require-exp} says: room tokens are meant to be
     * short-lived.
     */
    public RoomToken roomToken(String token, String user, String room) throws AuthenticationException {
        Claims claims = verify(token, true);
        if (!user.equals(claims.getSubject())) {
            throw new AuthenticationException("room token is for user '" + claims.getSubject() + "', not '" + user + "'");
        }
        if (!room.equals(claims.get("room"))) {
            throw new AuthenticationException("room token is for room '" + claims.get("room") + "', not '" + room + "'");
        }
        Object can = claims.get("can");
        Set<Capability> capabilities;
        if (can == null) {
            capabilities = Capability.MEMBER;
        } else if (can instanceof Collection<?> names) {
            EnumSet<Capability> set = EnumSet.noneOf(Capability.class);
            try {
                for (Object name : names) {
                    set.add(Capability.parse(String.valueOf(name)));
                }
            } catch (IllegalArgumentException e) {
                throw new AuthenticationException("room token's 'can': " + e.getMessage());
            }
            capabilities = Set.copyOf(set);
        } else {
            throw new AuthenticationException("room token's 'can' must be a list such as [\"join\", \"post\"]");
        }
        return new RoomToken(capabilities, instant(claims.getExpiration()));
    }

    /** What a room token grants, until when. */
    public record RoomToken(Set<Capability> can, Instant expiresAt) {
    }

    private Claims verify(String token, boolean expRequired) throws AuthenticationException {
        Claims claims;
        try {
            claims = parser.parseSignedClaims(token).getPayload();
        } catch (ExpiredJwtException e) {
            throw new AuthenticationException("token expired at " + e.getClaims().getExpiration().toInstant());
        } catch (SignatureException e) {
            throw new AuthenticationException("token signature is invalid");
        } catch (MissingClaimException | IncorrectClaimException e) {
            throw new AuthenticationException("token's '" + e.getClaimName() + "' is not what this node expects"
                    + " (--jwt-" + (e.getClaimName().equals("iss") ? "issuer" : "audience") + ")");
        } catch (UnsupportedJwtException e) {
            throw new AuthenticationException("token not accepted: " + e.getMessage());
        } catch (JwtException | IllegalArgumentException e) {
            throw new AuthenticationException("token is invalid: " + printable(e.getMessage()));
        }
        if (expRequired && claims.getExpiration() == null) {
            throw new AuthenticationException("token has no 'exp': this node accepts only tokens that expire"
                    + " (--jwt-require-exp)");
        }
        return claims;
    }

    private static Instant instant(Date date) {
        return date == null ? null : date.toInstant();
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
