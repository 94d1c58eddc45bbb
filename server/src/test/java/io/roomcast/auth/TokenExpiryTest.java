package io.roomcast.auth;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.roomcast.config.Settings;
import io.roomcast.config.Settings.AuthMode;
import io.roomcast.testing.RawStomp;
import io.roomcast.testing.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.function.Consumer;

import static io.roomcast.testing.RawStomp.body;
import static io.roomcast.testing.RawStomp.header;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What a node in {@code --auth jwt} accepts as a connection token ({@code exp}, issuer, audience, keys by
 * {@code kid}), and the connection's end at its token's {@code exp}, moved by a refresh
 * ({@code SEND /app/token}).
 */
class TokenExpiryTest {
    private static final String SECRET = "token-expiry-test-secret-0123456789abcdef";
    private static final String OLD_KEY = "the-key-being-rotated-out-0123456789abcdef";
    private static final Duration HOUR = Duration.ofHours(1);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** {@code --auth jwt} with its defaults: {@code --jwt-require-exp true}, no issuer or audience. */
    static TestNode node;

    @BeforeAll
    static void start() {
        node = jwtNode(s -> {
        });
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    private static TestNode jwtNode(Consumer<Settings> more) {
        return TestNode.start(s -> {
            s.auth = AuthMode.jwt;
            s.jwtSecret = SECRET;
            more.accept(s);
        });
    }

    // ---- what a connection token must be ----

    @Test
    void aTokenWithoutExpIsRefusedByDefault() {
        String refused = refusedConnect(node, Tokens.forUser("nox", null).hs256(SECRET));

        assertThat(refused).contains("token has no 'exp'").contains("--jwt-require-exp");
    }

    @Test
    void aTokenWithoutExpIsAcceptedWithJwtRequireExpFalse() {
        try (TestNode lax = jwtNode(s -> s.jwtRequireExp = false);
             RawStomp nox = ownQueue(RawStomp.connectWithToken(lax.wsUrl(), Tokens.forUser("nox", null)
                     .hs256(SECRET)).connected())) {
            direct(lax, "nox", "welcome");
            assertThat(body(nox.nextContent())).isEqualTo("welcome");
        }
    }

    @Test
    void theIssuerAndTheAudienceAreChecked() {
        String iss = "https://auth.example";
        String aud = "roomcast";
        try (TestNode strict = jwtNode(s -> {
            s.jwtIssuer = iss;
            s.jwtAudience = aud;
        })) {
            RawStomp.connectWithToken(strict.wsUrl(), Tokens.forUser("ivy", HOUR).issuer(iss).audience(aud)
                    .hs256(SECRET)).connected().close();

            assertThat(refusedConnect(strict, Tokens.forUser("ivy", HOUR).issuer("https://evil.example")
                    .audience(aud).hs256(SECRET))).contains("'iss' is not what this node expects (--jwt-issuer)");
            assertThat(refusedConnect(strict, Tokens.forUser("ivy", HOUR).audience(aud).hs256(SECRET)))
                    .contains("'iss'").contains("--jwt-issuer");
            assertThat(refusedConnect(strict, Tokens.forUser("ivy", HOUR).issuer(iss).audience("another-app")
                    .hs256(SECRET))).contains("'aud' is not what this node expects (--jwt-audience)");
            assertThat(refusedConnect(strict, Tokens.forUser("ivy", HOUR).issuer(iss).hs256(SECRET)))
                    .contains("'aud'").contains("--jwt-audience");
        }
    }

    /** A rotation: the set holds the old key and the new one, each under its id, and tokens name theirs. */
    @Test
    void keysComeFromTheJwksByKidSoTheOldAndTheNewKeyAreBothAccepted(@TempDir Path dir) throws Exception {
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        KeyPair newKey = rsa.generateKeyPair();
        Path jwks = dir.resolve("jwks.json");
        Files.writeString(jwks, jwks("2025-hs", OLD_KEY, "2026-rs", (RSAPublicKey) newKey.getPublic()));
        try (TestNode rotating = TestNode.start(s -> {
            s.auth = AuthMode.jwt;
            s.jwtJwks = jwks;
        })) {
            RawStomp.connectWithToken(rotating.wsUrl(), Tokens.forUser("rho", HOUR).keyId("2025-hs").hs256(OLD_KEY))
                    .connected().close();
            RawStomp.connectWithToken(rotating.wsUrl(), Tokens.forUser("rho", HOUR).keyId("2026-rs")
                    .rs256(newKey.getPrivate())).connected().close();

            assertThat(refusedConnect(rotating, Tokens.forUser("rho", HOUR).keyId("2024-gone").hs256(OLD_KEY)))
                    .contains("no key with id '2024-gone'").contains("2025-hs").contains("2026-rs");
            assertThat(refusedConnect(rotating, Tokens.forUser("rho", HOUR).keyId("2025-hs").hs256(SECRET)))
                    .as("the right kid, another key's signature").contains("token signature is invalid");
            assertThat(refusedConnect(rotating, Tokens.hs256(OLD_KEY, "rho", HOUR)))
                    .contains("without a 'kid' are not accepted");
        }
    }

    // ---- the connection ends with its token ----

    @Test
    void aConnectionIsClosedWithTokenExpiredAtItsTokensExp() {
        double expiredBefore = expiredConnections();
        String token = Tokens.hs256(SECRET, "eve", Duration.ofSeconds(2));
        long exp = expMillis(token);
        try (RawStomp eve = ownQueue(RawStomp.connectWithToken(node.wsUrl(), token).connected())) {
            untilMillis(exp - 500);
            direct(node, "eve", "before-exp");
            assertThat(body(eve.nextContent())).as("live until shortly before its exp").isEqualTo("before-exp");

            String error = eve.next();
            long at = System.currentTimeMillis();
            assertThat(error).startsWith("ERROR\n");
            assertThat(body(error)).contains("token expired at").contains("/app/token");
            assertThat(at).as("closed at its exp (%d)", exp).isBetween(exp - 20, exp + 1000);
            direct(node, "eve", "after-exp");
            assertThat(eve.awaitClose()).isEqualTo(1008);
            assertThat(eve.poll()).as("nothing after the ERROR").isNull();
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> expiredConnections() == expiredBefore + 1);
    }

    @Test
    void aConnectionThatRefreshesItsTokenStaysOpenPastTheFirstExpAndIsClosedAtTheSecond() {
        String first = Tokens.hs256(SECRET, "fay", Duration.ofSeconds(2));
        long firstExp = expMillis(first);
        try (RawStomp fay = ownQueue(RawStomp.connectWithToken(node.wsUrl(), first).connected())) {
            String second = Tokens.hs256(SECRET, "fay", Duration.ofSeconds(4));
            long secondExp = expMillis(second);
            assertThat(secondExp).isGreaterThan(firstExp + 1000);
            fay.send("SEND\ndestination:/app/token\nreceipt:refresh\n\n" + second + "\0");
            assertThat(fay.answer("refresh")).startsWith("RECEIPT\n");

            untilMillis(firstExp + 500);
            direct(node, "fay", "past-the-first-exp");
            assertThat(body(fay.nextContent())).isEqualTo("past-the-first-exp");

            String error = fay.next();
            long at = System.currentTimeMillis();
            assertThat(error).startsWith("ERROR\n");
            assertThat(body(error)).contains("token expired at");
            assertThat(at).as("closed at the fresh token's exp (%d)", secondExp).isBetween(secondExp - 20,
                    secondExp + 1000);
            assertThat(fay.awaitClose()).isEqualTo(1008);
        }
    }

    @Test
    void aRefreshForAnotherUserIsRefusedAndTheConnectionStillEndsAtItsOwnExp() {
        String own = Tokens.hs256(SECRET, "gus", Duration.ofSeconds(2));
        long exp = expMillis(own);
        try (RawStomp gus = ownQueue(RawStomp.connectWithToken(node.wsUrl(), own).connected())) {
            gus.send("SEND\ndestination:/app/token\nreceipt:as-mallory\n\n" + Tokens.hs256(SECRET, "mallory", HOUR)
                    + "\0");
            String refused = gus.answer("as-mallory");
            assertThat(header(refused, "error")).as(refused).isEqualTo("forbidden");
            assertThat(body(refused)).isEqualTo("the refresh is for user 'mallory'; this connection is 'gus'");
            gus.send("SEND\ndestination:/app/token\nreceipt:garbage\n\nnot-a-token\0");
            assertThat(header(gus.answer("garbage"), "error")).isEqualTo("invalid-token");

            String error = gus.next("ERROR");
            assertThat(System.currentTimeMillis()).as("closed at its own exp (%d)", exp).isBetween(exp - 20,
                    exp + 1000);
            assertThat(body(error)).contains("token expired at");
        }
    }

    // ---- helpers ----

    /** CONNECTs with {@code token}, expecting ERROR and a close; @return the ERROR's text */
    private static String refusedConnect(TestNode to, String token) {
        RawStomp.Answered answered = RawStomp.connectWithToken(to.wsUrl(), token);
        try (RawStomp c = answered.connection()) {
            assertThat(answered.frame()).startsWith("ERROR\n");
            assertThat(c.awaitClose()).isEqualTo(1008);
            return body(answered.frame());
        }
    }

    /** Subscribes to refusals and to the user's own queue, and waits for the second receipt. */
    private static RawStomp ownQueue(RawStomp c) {
        c.send("SUBSCRIBE\nid:errors\ndestination:/user/queue/errors\n\n\0");
        c.send("SUBSCRIBE\nid:mine\ndestination:/user/queue/messages\nreceipt:mine\n\n\0");
        assertThat(c.answer("mine")).startsWith("RECEIPT\n");
        return c;
    }

    private static void direct(TestNode to, String user, String text) {
        assertThat(to.api("POST", "/api/users/" + user + "/messages", "{\"data\":\"" + text + "\"}").statusCode())
                .isEqualTo(200);
    }

    private static double expiredConnections() {
        return node.metric("roomcast_disconnects_total", "reason=\"token-expired\"");
    }

    /** The token's {@code exp}, in epoch milliseconds (a JWT's exp is in whole seconds). */
    private static long expMillis(String token) {
        try {
            byte[] claims = Base64.getUrlDecoder().decode(token.split("\\.")[1]);
            return JSON.readTree(claims).get("exp").asLong() * 1000;
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** Waits for the wall clock to reach {@code millis}: the test's own timeline, not a guess at the node's. */
    private static void untilMillis(long millis) {
        await().atMost(Duration.ofSeconds(10)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(10))
                .until(() -> System.currentTimeMillis() >= millis);
    }

    /** A JSON Web Key Set with an HS256 key and an RS256 public key. */
    private static String jwks(String hmacKid, String secret, String rsaKid, RSAPublicKey rsa) {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        return "{\"keys\": [{\"kty\": \"oct\", \"kid\": \"" + hmacKid + "\", \"k\": \""
                + b64.encodeToString(secret.getBytes(StandardCharsets.UTF_8)) + "\"}, {\"kty\": \"RSA\", \"kid\": \""
                + rsaKid + "\", \"n\": \"" + b64.encodeToString(unsigned(rsa.getModulus())) + "\", \"e\": \""
                + b64.encodeToString(unsigned(rsa.getPublicExponent())) + "\"}]}";
    }

    private static byte[] unsigned(BigInteger n) {
        byte[] b = n.toByteArray();
        return b[0] == 0 ? Arrays.copyOfRange(b, 1, b.length) : b;
    }
}
