package io.roomcast.cli;

import io.roomcast.auth.PemKeys;
import io.roomcast.auth.Tokens;
import io.roomcast.config.ConfigException;
import io.roomcast.config.DurationConverter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code roomcast token --user U}: prints a JWT that a node in jwt mode accepts, as a backend would issue it: a
 * connection token (with the rooms it grants), or with {@code --room} a room token for one SUBSCRIBE.
 */
@Command(name = "token", mixinStandardHelpOptions = true,
        description = {"Prints a JWT for a user: HS256 with --jwt-secret, or RS256 with --private-key.",
                "A connection token by default; with --room, a room token to pass as 'token' on SUBSCRIBE."})
public final class TokenCommand implements Callable<Integer> {
    @Option(names = "--user", required = true, description = "The user id (the token's 'sub').")
    String user;

    @Option(names = "--ttl", defaultValue = "1h", converter = DurationConverter.class,
            description = "How long the token is valid. Default: ${DEFAULT-VALUE}.")
    Duration ttl;

    @Option(names = "--jwt-secret", description = "HS256 secret, the same as the node's --jwt-secret.")
    String secret;

    @Option(names = "--private-key", paramLabel = "PEM", description = "RS256 private key (PKCS#8 PEM file).")
    Path privateKey;

    @Option(names = "--rooms", split = ",", paramLabel = "PATTERN", description = "Rooms the connection token grants (join, post, whisper, presence), comma-separated: ids or prefixes ending in '*'.")
    List<String> rooms;

    @Option(names = "--room", description = "Makes a room token for this room instead of a connection token.")
    String room;

    @Option(names = "--can", split = ",", paramLabel = "CAPABILITY", description = "With --room: what the room token grants (join, post, whisper, presence, moderate). Default: join, post, whisper, presence.")
    List<String> can;

    @Option(names = "--kid", description = "The key id to put in the token's header (the node's --jwt-jwks key).")
    String kid;

    @Option(names = "--issuer", description = "The token's 'iss' (the node's --jwt-issuer).")
    String issuer;

    @Option(names = "--audience", description = "The token's 'aud' (the node's --jwt-audience).")
    String audience;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (ttl.isNegative() || ttl.isZero()) {
            throw new ConfigException("--ttl: must be positive");
        }
        Tokens builder = Tokens.forUser(user, ttl).keyId(kid).issuer(issuer).audience(audience);
        if (room != null) {
            builder.room(room, can);
        } else if (rooms != null) {
            builder.rooms(rooms);
        }
        String token;
        if (privateKey != null) {
            token = builder.rs256(PemKeys.privateKey(privateKey));
        } else if (secret != null) {
            if (secret.getBytes(StandardCharsets.UTF_8).length < 32) {
                throw new ConfigException("--jwt-secret: HS256 needs at least 32 bytes");
            }
            token = builder.hs256(secret);
        } else {
            throw new ConfigException("token: pass --jwt-secret (HS256) or --private-key (RS256)");
        }
        spec.commandLine().getOut().println(token);
        return 0;
    }
}
