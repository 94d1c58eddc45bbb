package io.roomcast.spring;

import com.sun.net.httpserver.HttpServer;
import io.roomcast.bus.Position;
import io.roomcast.client.RoomcastPublisher;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The starter in a Spring context: the bean comes from properties, a user's own bean wins, and a bad property
 * stops start-up with a message that names it. The "node" is a stand-in HTTP server that records what it is
 * sent (the client module tests the transports against real nodes).
 */
class RoomcastPublisherAutoConfigurationTest {
    static HttpServer node;
    static final AtomicReference<String> lastRequest = new AtomicReference<>();

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(RoomcastPublisherAutoConfiguration.class));

    @BeforeAll
    static void startNode() throws Exception {
        node = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        node.createContext("/", exchange -> {
            lastRequest.set(exchange.getRequestMethod() + " " + exchange.getRequestURI() + " "
                    + exchange.getRequestHeaders().getFirst("Authorization") + " "
                    + new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            byte[] body = "{\"position\":\"e1.3.42\"}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        node.start();
    }

    @AfterAll
    static void stopNode() {
        node.stop(0);
    }

    private static String nodeUrl() {
        return "http://127.0.0.1:" + node.getAddress().getPort();
    }

    @Test
    void thePublisherIsConfiguredFromProperties() {
        runner.withPropertyValues("roomcast.publisher.http.nodes=" + nodeUrl(),
                "roomcast.publisher.http.api-key=secret-key").run(context -> {
            assertThat(context).hasSingleBean(RoomcastPublisher.class);
            Position p = context.getBean(RoomcastPublisher.class).toRoom("lobby", Map.of("text", "hi"));
            assertThat(p).hasToString("e1.3.42");
            assertThat(lastRequest.get()).isEqualTo("POST /api/rooms/lobby/messages Bearer secret-key "
                    + "{\"data\":{\"text\":\"hi\"}}");
        });
    }

    @Configuration
    static class OwnPublisher {
        @Bean
        RoomcastPublisher myPublisher() {
            return new RoomcastPublisher() {
                @Override
                public CompletableFuture<Position> toRoomAsync(String room, Object payload, Map<String, String> h) {
                    return CompletableFuture.completedFuture(new Position("mine", 0, 1));
                }

                @Override
                public CompletableFuture<Position> toUserAsync(String user, Object payload, Map<String, String> h) {
                    return toRoomAsync(user, payload, h);
                }

                @Override
                public CompletableFuture<Position> broadcastAsync(Object payload, Map<String, String> h) {
                    return toRoomAsync("", payload, h);
                }

                @Override
                public List<Member> presence(String room) {
                    return List.of();
                }

                @Override
                public void disconnect(String user) {
                }

                @Override
                public void close() {
                }
            };
        }
    }

    @Test
    void aUserDefinedPublisherWins() {
        // No node configured at all: the auto-configured bean would fail; the user's is taken instead.
        runner.withUserConfiguration(OwnPublisher.class).run(context -> {
            assertThat(context).hasNotFailed().hasSingleBean(RoomcastPublisher.class);
            assertThat(context.getBean(RoomcastPublisher.class).broadcast("x")).hasToString("mine.0.1");
        });
    }

    @Test
    void aMissingNodeListFailsStartUpNamingTheProperty() {
        runner.withPropertyValues("roomcast.publisher.http.api-key=k").run(context -> {
            assertThat(context).hasFailed();
            FailureAnalysis analysis = new RoomcastFailureAnalyzer().analyze(context.getStartupFailure());
            assertThat(analysis).isNotNull();
            assertThat(analysis.getDescription()).contains("roomcast.publisher.http.nodes")
                    .contains("at least one node URL");
            assertThat(analysis.getAction()).contains("roomcast.publisher.http.api-key");
        });
    }

    @Test
    void aBadRocketMqSettingFailsStartUpNamingTheProperty() {
        runner.withPropertyValues("roomcast.publisher.transport=rocketmq",
                "roomcast.publisher.rocketmq.namesrv-addr=no-port-here").run(context -> {
            assertThat(context).hasFailed();
            FailureAnalysis analysis = new RoomcastFailureAnalyzer().analyze(context.getStartupFailure());
            assertThat(analysis.getDescription()).contains("roomcast.publisher.rocketmq.namesrv-addr")
                    .contains("host:port");
        });
    }

    @Test
    void anUnknownTransportIsRefusedBySpringsBinderWithTheChoices() {
        runner.withPropertyValues("roomcast.publisher.transport=carrier-pigeon").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause().hasMessageContaining("carrier-pigeon");
        });
    }

    @Test
    void thePublisherCanBeSwitchedOff() {
        runner.withPropertyValues("roomcast.publisher.enabled=false").run(context ->
                assertThat(context).hasNotFailed().doesNotHaveBean(RoomcastPublisher.class));
    }
}
