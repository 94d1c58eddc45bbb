package io.roomcast.limits;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import io.roomcast.auth.Tokens;
import io.roomcast.config.Settings;
import io.roomcast.testing.RawStomp;
import io.roomcast.testing.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;

import static io.roomcast.testing.RawStomp.header;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

/**
 * Every line the node logs about a failed authentication or a limit names the client's address: the one the
 * trusted proxy (loopback here) forwarded, not the proxy's own. Each case comes from an address of its own.
 */
class ClientAddressLogsTest {
    static final String SECRET = "0123456789abcdef0123456789abcdef-logs";
    static final List<String> LOGGERS = List.of("io.roomcast.session.StompSessionHandler",
            "io.roomcast.transport.ConnectionGate", "io.roomcast.http.HttpApiHandler");
    static final Queue<String> lines = new ConcurrentLinkedQueue<>();
    static final AppenderBase<ILoggingEvent> capture = new AppenderBase<>() {
        @Override
        protected void append(ILoggingEvent event) {
            lines.add(event.getFormattedMessage());
        }
    };
    static TestNode node;

    @BeforeAll
    static void start() {
        capture.start();
        for (String name : LOGGERS) {
            Logger logger = (Logger) LoggerFactory.getLogger(name);
            logger.setLevel(Level.DEBUG); // limits are logged at debug, so that an abuser can't fill the log
            logger.addAppender(capture);
        }
        node = TestNode.start(s -> {
            s.auth = Settings.AuthMode.jwt;
            s.jwtSecret = SECRET;
            s.trustedProxies = "127.0.0.1/32";
            s.maxConnectionsPerUser = 1;
            s.maxConnectionsPerIp = 2;
        });
    }

    @AfterAll
    static void stop() {
        node.close();
        for (String name : LOGGERS) {
            Logger logger = (Logger) LoggerFactory.getLogger(name);
            logger.detachAppender(capture);
            logger.setLevel(null);
        }
    }

    private static RawStomp from(String address) throws Exception {
        return RawStomp.openWith(node.wsUrl(), Map.of("X-Forwarded-For", address));
    }

    private static void assertLogged(String... parts) {
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(lines)
                .anySatisfy(line -> assertThat(line).contains(parts)));
    }

    @Test
    void aFailedAuthenticationNamesTheClient() throws Exception {
        try (RawStomp raw = from("203.0.113.71")) {
            raw.send("CONNECT\naccept-version:1.2\nhost:x\npasscode:not-a-token\n\n\0");
            assertThat(header(raw.next("ERROR"), "error")).isEqualTo("unauthorized");
        }
        assertLogged("from 203.0.113.71", "authentication failed");
    }

    @Test
    void aSessionLimitNamesTheClient() throws Exception {
        String token = Tokens.hs256(SECRET, "twice", Duration.ofMinutes(5));
        try (RawStomp first = from("203.0.113.72"); RawStomp second = from("203.0.113.72")) {
            first.send("CONNECT\naccept-version:1.2\nhost:x\npasscode:" + token + "\n\n\0");
            assertThat(first.next()).startsWith("CONNECTED\n");
            second.send("CONNECT\naccept-version:1.2\nhost:x\npasscode:" + token + "\n\n\0");
            assertThat(header(second.next("ERROR"), "error")).isEqualTo("connections-per-user");
        }
        assertLogged("from 203.0.113.72", "too many connections for user 'twice'");
    }

    @Test
    void anUpgradeLimitNamesTheClient() throws Exception {
        try (RawStomp one = from("203.0.113.73"); RawStomp two = from("203.0.113.73")) {
            try {
                from("203.0.113.73").close();
                fail("a third connection from one address was accepted");
            } catch (ExecutionException e) {
                assertThat(((WebSocketHandshakeException) e.getCause()).getResponse().statusCode()).isEqualTo(429);
            }
        }
        assertLogged("from 203.0.113.73", "connections-per-ip");
    }

    @Test
    void aWrongApiKeyNamesTheClient() throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(node.httpUrl("/api/nodes"))).header("Authorization", "Bearer wrong-key-0123456789")
                .header("X-Forwarded-For", "203.0.113.74").GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(403);
        assertLogged("from 203.0.113.74", "not valid");
    }
}
