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
import java.util.concurrent.Callable;

/** {@code roomcast token --user U}: prints a JWT that a node in jwt mode accepts. For testing. */
@Command(name = "token", mixinStandardHelpOptions = true,
        description = "Prints a JWT for a user: HS256 with --jwt-secret, or RS256 with --private-key.")
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

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (ttl.isNegative() || ttl.isZero()) {
            throw new ConfigException("--ttl: must be positive");
        }
        String token;
        if (privateKey != null) {
            token = Tokens.rs256(PemKeys.privateKey(privateKey), user, ttl);
        } else if (secret != null) {
            if (secret.getBytes(StandardCharsets.UTF_8).length < 32) {
                throw new ConfigException("--jwt-secret: HS256 needs at least 32 bytes");
            }
            token = Tokens.hs256(secret, user, ttl);
        } else {
            throw new ConfigException("token: pass --jwt-secret (HS256) or --private-key (RS256)");
        }
        spec.commandLine().getOut().println(token);
        return 0;
    }
}
