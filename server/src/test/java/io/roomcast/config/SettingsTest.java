package io.roomcast.config;

import io.roomcast.access.Capability;
import io.roomcast.access.JoinDecision;
import io.roomcast.auth.AuthenticationException;
import io.roomcast.auth.JwtAuthenticator;
import io.roomcast.auth.JwtKeys;
import io.roomcast.auth.Principal;
import io.roomcast.cli.Main;
import io.roomcast.cli.RoomcastCommand;
import io.roomcast.config.Settings.RoomAccessMode;
import io.roomcast.session.JoinRules;
import io.roomcast.stomp.StompHeaders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Where settings come from, and how bad ones fail. */
class SettingsTest {
    @TempDir
    Path dir;

    private static Settings parse(Map<String, String> env, String... args) {
        CommandLine cl = Main.commandLine(args, env);
        cl.parseArgs(args);
        return ((RoomcastCommand) cl.getCommand()).settings();
    }

    private static String[] run(Map<String, String> env, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, env, new PrintWriter(out, true), new PrintWriter(err, true));
        return new String[] {Integer.toString(code), out.toString(), err.toString()};
    }

    @Test
    void precedenceIsFlagThenEnvironmentThenFileThenDefault() throws Exception {
        Path file = dir.resolve("roomcast.yml");
        Files.writeString(file, "port: 7001\nmax-headers: 20\nmax-subscriptions: 9\nhistory-max-age: 90s\n");
        Map<String, String> env = Map.of("ROOMCAST_MAX_HEADERS", "21", "ROOMCAST_MAX_SUBSCRIPTIONS", "10");
        Settings s = parse(env, "--config", file.toString(), "--max-subscriptions", "11");
        assertThat(s.port).as("file").isEqualTo(7001);
        assertThat(s.maxHeaders).as("env over file").isEqualTo(21);
        assertThat(s.maxSubscriptions).as("flag over env").isEqualTo(11);
        assertThat(s.historyMaxAge).isEqualTo(Duration.ofSeconds(90));
        assertThat(s.maxFrameBytes).as("default").isEqualTo(65536);
    }

    @Test
    void aBadFlagFailsWithOneLineNamingIt() {
        String[] r = run(Map.of(), "--port", "eighty");
        assertThat(r[0]).isEqualTo("2");
        assertThat(r[2].lines().findFirst().orElseThrow()).contains("--port").contains("eighty");
    }

    @Test
    void aBadEnvironmentValueNamesTheVariable() {
        String[] r = run(Map.of("ROOMCAST_PORT", "eighty"));
        assertThat(r[0]).isEqualTo("2");
        assertThat(r[2].lines().findFirst().orElseThrow()).contains("--port").contains("(from ROOMCAST_PORT)");
    }

    @Test
    void anImpossibleValueFailsWithOneLineNamingTheSetting() {
        String[] r = run(Map.of("ROOMCAST_MAX_FRAME_BYTES", "10"));
        assertThat(r[0]).isEqualTo("2");
        assertThat(r[2].trim()).isEqualTo("roomcast: --max-frame-bytes: must be between 256 and 16777216, got 10");
    }

    @Test
    void anUnknownConfigKeyFails(@TempDir Path tmp) throws Exception {
        Path file = tmp.resolve("bad.yml");
        Files.writeString(file, "prot: 8080\n");
        String[] r = run(Map.of(), "--config", file.toString());
        assertThat(r[0]).isEqualTo("2");
        assertThat(r[2]).contains("unknown setting 'prot'");
    }

    @Test
    void aMissingConfigFileFails() {
        String[] r = run(Map.of(), "--config", "/nonexistent/roomcast.yml");
        assertThat(r[0]).isEqualTo("2");
        assertThat(r[2]).contains("--config: cannot read /nonexistent/roomcast.yml");
    }

    @Test
    void jwtModeNeedsAKeyAndAnApiKey() {
        assertThatThrownBy(() -> parse(Map.of(), "--auth", "jwt").validate())
                .isInstanceOf(ConfigException.class).hasMessageContaining("--jwt-secret");
        assertThatThrownBy(() -> parse(Map.of(), "--auth", "jwt", "--jwt-secret", "short").validate())
                .hasMessageContaining("at least 32 bytes");
        assertThatThrownBy(() -> parse(Map.of(), "--auth", "jwt", "--jwt-secret", "x".repeat(32)).validate())
                .hasMessageContaining("--api-key");
    }

    @Test
    void roomGrantsNeedSomethingToReadThemFromAndTheConnectProxyIsOne() {
        assertThatThrownBy(() -> parse(Map.of(), "--room-access", "grants").validate())
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("--room-access grants: needs grants");
        Settings proxied = parse(Map.of(), "--auth", "proxy", "--connect-proxy", "http://127.0.0.1:9/connect",
                "--room-access", "grants", "--api-key", "k".repeat(16));
        proxied.validate();
        assertThat(proxied.roomAccess()).isEqualTo(RoomAccessMode.grants);
    }

    @Test
    void insecureModeOnAPublicAddressWarns() {
        Settings s = parse(Map.of(), "--host", "0.0.0.0");
        assertThat(s.validate()).anyMatch(w -> w.contains("--auth insecure with --host 0.0.0.0"));
        assertThat(parse(Map.of(), "--host", "127.0.0.1").validate())
                .noneMatch(w -> w.contains("--host"));
    }

    @Test
    void tokenCommandPrintsATokenTheNodeAccepts() throws Exception {
        String secret = "a-secret-that-is-at-least-32-bytes-long";
        String[] r = run(Map.of(), "token", "--user", "uma", "--jwt-secret", secret, "--ttl", "5m");
        assertThat(r[0]).isEqualTo("0");
        String token = r[1].trim();
        assertThat(new JwtAuthenticator(JwtKeys.of(secret, null, null), JwtAuthenticator.Rules.DEFAULT)
                .authenticate(new StompHeaders().add("passcode", token)).user()).isEqualTo("uma");
    }

    @Test
    void tokenCommandsRoomsGrantTheConnectionThoseRooms() throws Exception {
        String secret = "a-secret-that-is-at-least-32-bytes-long";
        String token = token("--user", "uma", "--jwt-secret", secret, "--rooms", "lobby,team-7-*");
        JwtAuthenticator jwt = new JwtAuthenticator(JwtKeys.of(secret, null, null), JwtAuthenticator.Rules.DEFAULT);
        JoinRules grants = new JoinRules(RoomAccessMode.grants, jwt, null, "node-1");
        Principal uma = jwt.principal(token);

        assertThat(join(grants, uma, "lobby", null).can()).isEqualTo(Capability.MEMBER);
        assertThat(join(grants, uma, "team-7-a", null).can()).isEqualTo(Capability.MEMBER);
        assertThat(join(grants, uma, "attic", null).allowed()).isFalse();
    }

    @Test
    void tokenCommandsRoomTokenGrantsItsRoomWithWhatCanSays() throws Exception {
        String secret = "a-secret-that-is-at-least-32-bytes-long";
        JwtAuthenticator jwt = new JwtAuthenticator(JwtKeys.of(secret, null, null), JwtAuthenticator.Rules.DEFAULT);
        JoinRules grants = new JoinRules(RoomAccessMode.grants, jwt, null, "node-1");
        Principal uma = jwt.principal(token("--user", "uma", "--jwt-secret", secret)); // no rooms of its own
        String stage = token("--user", "uma", "--jwt-secret", secret, "--room", "stage", "--can", "join,post",
                "--ttl", "5m");

        JoinDecision onStage = join(grants, uma, "stage", stage);
        assertThat(onStage.allowed()).isTrue();
        assertThat(onStage.can()).containsExactlyInAnyOrder(Capability.JOIN, Capability.POST);
        assertThat(join(grants, uma, "wings", stage).reason()).contains("room token is for room 'stage', not 'wings'");
        assertThat(join(grants, uma, "stage", token("--user", "uma", "--jwt-secret", secret, "--room", "stage"))
                .can()).as("without --can").isEqualTo(Capability.MEMBER);
        assertThat(jwt.principal(stage).grants().isEmpty()).as("a room token grants the connection nothing")
                .isTrue();
    }

    @Test
    void tokenCommandsKidIssuerAndAudienceMakeATokenANodeWithThoseRulesAccepts() throws Exception {
        String secret = "the-2026-key-in-the-key-set-0123456789";
        Path jwks = dir.resolve("jwks.json");
        Files.writeString(jwks, "{\"keys\": [{\"kty\": \"oct\", \"kid\": \"k-2026\", \"k\": \""
                + Base64.getUrlEncoder().withoutPadding().encodeToString(secret.getBytes(StandardCharsets.UTF_8))
                + "\"}]}");
        JwtAuthenticator strict = new JwtAuthenticator(JwtKeys.of(null, null, jwks),
                new JwtAuthenticator.Rules(true, "https://auth.example", "roomcast"));

        String token = token("--user", "uma", "--jwt-secret", secret, "--kid", "k-2026", "--issuer",
                "https://auth.example", "--audience", "roomcast");
        assertThat(strict.principal(token).user()).isEqualTo("uma");
        assertThatThrownBy(() -> strict.principal(token("--user", "uma", "--jwt-secret", secret, "--issuer",
                "https://auth.example", "--audience", "roomcast"))).hasMessageContaining("without a 'kid'");
        assertThatThrownBy(() -> strict.principal(token("--user", "uma", "--jwt-secret", secret, "--kid", "k-2026",
                "--audience", "roomcast"))).hasMessageContaining("--jwt-issuer");
    }

    /** Runs {@code roomcast token} with {@code args}; @return the token it printed */
    private static String token(String... args) {
        String[] all = new String[args.length + 1];
        all[0] = "token";
        System.arraycopy(args, 0, all, 1, args.length);
        String[] r = run(Map.of(), all);
        assertThat(r[0]).as(r[2]).isEqualTo("0");
        return r[1].trim();
    }

    private static JoinDecision join(JoinRules rules, Principal who, String room, String roomToken) {
        return rules.decide(who, room, roomToken, Map.of()).join();
    }

    @Test
    void rs256TokensAreVerifiedWithThePublicKey() throws Exception {
        KeyPairGenerator gen = KeyPairGenerator.getInstance("RSA");
        gen.initialize(2048);
        KeyPair pair = gen.generateKeyPair();
        Path privatePem = dir.resolve("private.pem");
        Files.writeString(privatePem, pem("PRIVATE KEY", pair.getPrivate().getEncoded()));
        String[] r = run(Map.of(), "token", "--user", "rita", "--private-key", privatePem.toString());
        assertThat(r[0]).as(r[2]).isEqualTo("0");
        JwtAuthenticator auth = new JwtAuthenticator(JwtKeys.of(null, pair.getPublic(), null),
                JwtAuthenticator.Rules.DEFAULT);
        assertThat(auth.authenticate(new StompHeaders().add("Authorization", "Bearer " + r[1].trim())).user())
                .isEqualTo("rita");
        assertThatThrownBy(() -> auth.authenticate(new StompHeaders().add("passcode",
                io.roomcast.auth.Tokens.hs256("x".repeat(40), "rita", Duration.ofMinutes(1)))))
                .isInstanceOf(AuthenticationException.class).hasMessageContaining("HS256 without a 'kid' are not accepted");
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder().encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
