package io.roomcast.auth;

import io.jsonwebtoken.LocatorAdapter;
import io.jsonwebtoken.ProtectedHeader;
import io.jsonwebtoken.UnsupportedJwtException;
import io.jsonwebtoken.security.Jwk;
import io.jsonwebtoken.security.JwkSet;
import io.jsonwebtoken.security.Jwks;
import io.jsonwebtoken.security.Keys;

import javax.crypto.SecretKey;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Key;
import java.security.PublicKey;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The keys a node accepts tokens from: an HS256 secret and an RS256 public key for tokens without a key id,
 * and a JSON Web Key Set file whose keys are chosen by the token's {@code kid}. Rotating a key means adding the
 * new one to the set under a new id, issuing tokens with it, and removing the old one once its tokens have
 * expired; both are accepted meanwhile.
 *
 * <p>Immutable and thread-safe.
 */
public final class JwtKeys extends LocatorAdapter<Key> {
    private final SecretKey secret;
    private final PublicKey publicKey;
    private final Map<String, Key> byId;

    private JwtKeys(SecretKey secret, PublicKey publicKey, Map<String, Key> byId) {
        this.secret = secret;
        this.publicKey = publicKey;
        this.byId = Map.copyOf(byId);
    }

    /**
     * @param secret    the HS256 secret for tokens without {@code kid} (at least 32 bytes), or null
     * @param publicKey the RS256 key for tokens without {@code kid}, or null
     * @param jwks      a JWK Set file ({@code {"keys": [...]}}, each key with a {@code kid}), or null
     * @throws IOException when the file can't be read or holds a key without an id
     */
    public static JwtKeys of(String secret, PublicKey publicKey, Path jwks) throws IOException {
        Map<String, Key> byId = new LinkedHashMap<>();
        if (jwks != null) {
            JwkSet set;
            try (Reader in = Files.newBufferedReader(jwks, StandardCharsets.UTF_8)) {
                set = Jwks.setParser().build().parse(in);
            } catch (RuntimeException e) {
                throw new IOException(jwks + " is not a JSON Web Key Set: " + e.getMessage(), e);
            }
            for (Jwk<?> jwk : set.getKeys()) {
                if (jwk.getId() == null || jwk.getId().isBlank()) {
                    throw new IOException(jwks + ": every key needs a 'kid' (tokens choose their key by it)");
                }
                byId.put(jwk.getId(), jwk.toKey());
            }
        }
        return new JwtKeys(secret == null ? null : hmac(secret), publicKey, byId);
    }

    /** The HS256 key of a secret. */
    public static SecretKey hmac(String secret) {
        return Keys.hmacShaKeyFor(secret.getBytes(StandardCharsets.UTF_8));
    }

    public boolean isEmpty() {
        return secret == null && publicKey == null && byId.isEmpty();
    }

    @Override
    protected Key locate(ProtectedHeader header) {
        String alg = header.getAlgorithm();
        String kid = header.getKeyId();
        Key key = kid != null ? byId.get(kid) : "HS256".equals(alg) ? secret : "RS256".equals(alg) ? publicKey : null;
        if (key == null) {
            throw new UnsupportedJwtException(kid != null ? "no key with id '" + kid + "' (known: "
                    + String.join(", ", byId.keySet()) + ")" : "tokens signed with " + alg + " without a 'kid' are not"
                    + " accepted here (accepted: " + (secret != null ? "HS256 " : "") + (publicKey != null ? "RS256" : "")
                    + ")");
        }
        boolean hmacAlg = alg != null && alg.startsWith("HS");
        if (hmacAlg != (key instanceof SecretKey)) {
            throw new UnsupportedJwtException("key '" + kid + "' does not sign with " + alg);
        }
        return key;
    }
}
