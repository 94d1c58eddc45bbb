package io.roomcast.auth;

import io.jsonwebtoken.Jwts;

import java.security.PrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;

/** Issues tokens the {@link JwtAuthenticator} accepts; used by {@code roomcast token} and by tests. */
public final class Tokens {
    private Tokens() {
    }

    /** An HS256 token for {@code user}, valid for {@code ttl}. */
    public static String hs256(String secret, String user, Duration ttl) {
        Instant now = Instant.now();
        return Jwts.builder().subject(user).issuedAt(Date.from(now)).expiration(Date.from(now.plus(ttl)))
                .signWith(JwtAuthenticator.hmacKey(secret), Jwts.SIG.HS256).compact();
    }

    /** An RS256 token for {@code user}, valid for {@code ttl}. */
    public static String rs256(PrivateKey key, String user, Duration ttl) {
        Instant now = Instant.now();
        return Jwts.builder().subject(user).issuedAt(Date.from(now)).expiration(Date.from(now.plus(ttl)))
                .signWith(key, Jwts.SIG.RS256).compact();
    }
}
