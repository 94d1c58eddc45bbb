package io.roomcast.auth;

import io.jsonwebtoken.JwtBuilder;
import io.jsonwebtoken.Jwts;

import java.security.PrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Issues tokens the {@link JwtAuthenticator} accepts, as a backend would; used by {@code roomcast token} and by
 * tests. Not thread-safe while being built.
 */
public final class Tokens {
    private final Map<String, Object> claims = new LinkedHashMap<>();
    private final String user;
    private final Duration ttl;
    private String keyId;
    private String issuer;
    private String audience;

    private Tokens(String user, Duration ttl) {
        this.user = user;
        this.ttl = ttl;
    }

    /** A token for {@code user} ending {@code ttl} from now; null {@code ttl} for a token without {@code exp}. */
    public static Tokens forUser(String user, Duration ttl) {
        return new Tokens(user, ttl);
    }

    /** An HS256 connection token for {@code user}, valid for {@code ttl}. */
    public static String hs256(String secret, String user, Duration ttl) {
        return forUser(user, ttl).hs256(secret);
    }

    /** An RS256 connection token for {@code user}, valid for {@code ttl}. */
    public static String rs256(PrivateKey key, String user, Duration ttl) {
        return forUser(user, ttl).rs256(key);
    }

    /** The {@code rooms} claim: a list of patterns, or a map from pattern to capability names. */
    public Tokens rooms(Object rooms) {
        claims.put("rooms", rooms);
        return this;
    }

    /** Makes it a room token: {@code room} and the capabilities it grants there ({@code can}). */
    public Tokens room(String room, Collection<String> can) {
        claims.put("room", room);
        if (can != null) {
            claims.put("can", can);
        }
        return this;
    }

    public Tokens keyId(String kid) {
        this.keyId = kid;
        return this;
    }

    public Tokens issuer(String iss) {
        this.issuer = iss;
        return this;
    }

    public Tokens audience(String aud) {
        this.audience = aud;
        return this;
    }

    public String hs256(String secret) {
        return builder().signWith(JwtKeys.hmac(secret), Jwts.SIG.HS256).compact();
    }

    public String rs256(PrivateKey key) {
        return builder().signWith(key, Jwts.SIG.RS256).compact();
    }

    private JwtBuilder builder() {
        Instant now = Instant.now();
        JwtBuilder b = Jwts.builder().subject(user).issuedAt(Date.from(now)).claims(claims);
        if (ttl != null) {
            b.expiration(Date.from(now.plus(ttl)));
        }
        if (keyId != null) {
            b.header().keyId(keyId);
        }
        if (issuer != null) {
            b.issuer(issuer);
        }
        if (audience != null) {
            b.audience().add(audience);
        }
        return b;
    }
}
