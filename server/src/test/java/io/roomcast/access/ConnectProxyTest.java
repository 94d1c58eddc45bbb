package io.roomcast.access;

import io.roomcast.metrics.NodeMetrics;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static io.roomcast.access.StubBackend.counted;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What the connect proxy sends from a handshake, and how it reads every kind of answer. */
class ConnectProxyTest {
    private final StubBackend backend = StubBackend.start();
    private final NodeMetrics metrics = new NodeMetrics("test-node", "test");

    @AfterEach
    void stop() {
        backend.close();
    }

    private ConnectProxy proxy(List<String> headers) {
        return new ConnectProxy(backend.uri(), Duration.ofSeconds(5), 4, "s3cret", headers, metrics);
    }

    private ConnectDecision ask(ConnectProxy proxy, Map<String, String> handshake) throws Exception {
        return proxy.ask("node-1", handshake).get(10, TimeUnit.SECONDS);
    }

    private ConnectDecision answered(String json) throws Exception {
        backend.answer(json);
        return ask(proxy(List.of("cookie")), Map.of("Cookie", "sid=1"));
    }

    @Test
    void onlyTheAllowListedHeadersAreSentUnderLowerCaseNames() throws Exception {
        Map<String, String> handshake = new LinkedHashMap<>();
        handshake.put("Cookie", "sid=abc");
        handshake.put("Authorization", "Bearer user-token");
        handshake.put("X-Forwarded-For", "203.0.113.7");
        handshake.put("Host", "chat.example.com");
        handshake.put("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==");

        ask(proxy(List.of("Cookie", " x-forwarded-for ")), handshake);

        StubBackend.Call call = backend.nextCall();
        assertThat(call.body().get("node").textValue()).isEqualTo("node-1");
        assertThat(call.body().get("headers").properties()).extracting(Map.Entry::getKey)
                .containsExactly("cookie", "x-forwarded-for");
        assertThat(call.body().get("headers").get("cookie").textValue()).isEqualTo("sid=abc");
        assertThat(call.body().get("headers").get("x-forwarded-for").textValue()).isEqualTo("203.0.113.7");
        // The client's Authorization stays out of the body; the node's own secret is the request's header.
        assertThat(call.headers().getFirst("Authorization")).isEqualTo("Bearer s3cret");
    }

    @Test
    void theDefaultAllowListSendsTheSessionHeaders() throws Exception {
        ask(proxy(List.of(ConnectProxy.DEFAULT_HEADERS.split(","))),
                Map.of("cookie", "sid=1", "AUTHORIZATION", "Basic eA==", "Origin", "https://example.com"));

        assertThat(backend.nextCall().body().get("headers").properties()).extracting(Map.Entry::getKey)
                .containsExactlyInAnyOrder("cookie", "authorization");
    }

    @Test
    void anAllowGivesTheUserTheirRoomsAndTheExpiry() throws Exception {
        ConnectDecision d = answered("{\"allow\": true, \"user\": \"alice\", \"expires_at\": 1900000000,"
                + " \"rooms\": {\"lobby\": [\"join\", \"post\"], \"team-7-*\": [\"join\"]}}");

        assertThat(d.allowed()).isTrue();
        assertThat(d.code()).isNull();
        assertThat(d.user()).isEqualTo("alice");
        assertThat(d.grants().in("lobby")).containsExactlyInAnyOrder(Capability.JOIN, Capability.POST);
        assertThat(d.grants().in("team-7-a")).containsExactly(Capability.JOIN);
        assertThat(d.grants().in("elsewhere")).isEmpty();
        assertThat(d.expiresAt()).isEqualTo(Instant.ofEpochSecond(1_900_000_000L));
        assertThat(counted(metrics, "connect", "allowed")).isEqualTo(1);
    }

    @Test
    void roomsAsAListGrantMembership() throws Exception {
        ConnectDecision d = answered("{\"allow\": true, \"user\": \"alice\", \"rooms\": [\"lobby\"]}");

        assertThat(d.grants().in("lobby")).isEqualTo(Capability.MEMBER);
        assertThat(d.expiresAt()).isNull();
    }

    @Test
    void anAllowWithoutRoomsGrantsNone() throws Exception {
        ConnectDecision d = answered("{\"allow\": true, \"user\": \"alice\"}");

        assertThat(d.grants()).isSameAs(RoomGrants.NONE);
    }

    @Test
    void aRefusalIsForbiddenWithTheBackendsReason() throws Exception {
        ConnectDecision d = answered("{\"allow\": false, \"reason\": \"the session has ended: log in again\"}");

        assertThat(d).isEqualTo(ConnectDecision.refuse("the session has ended: log in again"));
        assertThat(d.user()).isNull();
        assertThat(counted(metrics, "connect", "refused")).isEqualTo(1);
    }

    @Test
    void aRefusalWithoutAReasonSaysWhoRefused() throws Exception {
        assertThat(answered("{\"allow\": false}").reason()).isEqualTo("the connect proxy refused the connection");
    }

    static Stream<Arguments> brokenAnswers() {
        return Stream.of(
                Arguments.of("{\"user\": \"alice\"}", "'allow' must be true or false, and is missing"),
                Arguments.of("{\"allow\": true}", "'user' is missing"),
                Arguments.of("{\"allow\": true, \"user\": \" \"}", "'user' is missing"),
                Arguments.of("{\"allow\": true, \"user\": 7}", "'user' must be a string"),
                Arguments.of("{\"allow\": true, \"user\": \"alice\", \"rooms\": 5}", "'rooms' must be a list"),
                Arguments.of("{\"allow\": true, \"user\": \"alice\", \"rooms\": {\"lobby\": [\"fly\"]}}",
                        "unknown capability 'fly'"),
                Arguments.of("{\"allow\": true, \"user\": \"alice\", \"rooms\": [\"a*b\"]}", "prefix ending in '*'"),
                Arguments.of("{\"allow\": true, \"user\": \"alice\", \"expires_at\": \"soon\"}",
                        "'expires_at' must be a whole number of seconds"),
                Arguments.of("{\"allow\": true, \"user\": \"alice\", \"expires_at\": 1.5}",
                        "'expires_at' must be a whole number of seconds"),
                Arguments.of("{\"allow\": true, \"user\": \"alice\", \"expires_at\": 99999999999999999}",
                        "'expires_at' is out of range"));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("brokenAnswers")
    void anAnswerThatBreaksTheContractFailsClosed(String json, String why) throws Exception {
        ConnectDecision d = answered(json);

        assertThat(d.allowed()).isFalse();
        assertThat(d.user()).isNull();
        assertThat(d.code()).isEqualTo(AccessDecision.BACKEND_UNAVAILABLE);
        assertThat(d.reason()).startsWith("the connect proxy's answer breaks the contract: ").contains(why);
        assertThat(counted(metrics, "connect", "failed")).isEqualTo(1);
    }

    @Test
    void anAllowListEntryThatIsNoHeaderNameIsRefusedAtStart() {
        assertThatThrownBy(() -> proxy(List.of("cookie", "x forwarded")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the connect proxy's header 'x forwarded' is not a header name");
        assertThatThrownBy(() -> proxy(List.of("")))
                .hasMessageContaining("is not a header name");
    }

    @Test
    void theDecisionsKeepTheirInvariant() {
        assertThat(ConnectDecision.unavailable("down").grants()).isSameAs(RoomGrants.NONE);
        assertThatThrownBy(() -> ConnectDecision.allow(null, RoomGrants.NONE, null))
                .hasMessageContaining("names a user exactly when it is allowed");
    }
}
