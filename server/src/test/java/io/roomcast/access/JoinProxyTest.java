package io.roomcast.access;

import io.roomcast.metrics.NodeMetrics;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static io.roomcast.access.StubBackend.counted;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What the join proxy sends, and how it reads every kind of answer: the allowed, the refused and the broken. */
class JoinProxyTest {
    private final StubBackend backend = StubBackend.start();
    private final NodeMetrics metrics = new NodeMetrics("test-node", "test");

    @AfterEach
    void stop() {
        backend.close();
    }

    private JoinDecision ask(String secret) throws Exception {
        JoinProxy proxy = new JoinProxy(backend.uri(), Duration.ofSeconds(5), 4, secret, metrics);
        return proxy.ask("alice", "lobby", "node-1", Map.of("x-team", "7")).get(10, TimeUnit.SECONDS);
    }

    private JoinDecision answered(String json) throws Exception {
        backend.answer(json);
        return ask(null);
    }

    @Test
    void theCallCarriesTheUserRoomNodeAndHeadersAndTheSecret() throws Exception {
        ask("s3cret");

        StubBackend.Call call = backend.nextCall();
        assertThat(call.body().get("user").textValue()).isEqualTo("alice");
        assertThat(call.body().get("room").textValue()).isEqualTo("lobby");
        assertThat(call.body().get("node").textValue()).isEqualTo("node-1");
        assertThat(call.body().get("headers").get("x-team").textValue()).isEqualTo("7");
        assertThat(call.headers().getFirst("Authorization")).isEqualTo("Bearer s3cret");
        assertThat(call.headers().getFirst("Content-Type")).isEqualTo("application/json");
    }

    @Test
    void withoutASecretNoAuthorizationIsSent() throws Exception {
        ask(null);

        assertThat(backend.nextCall().headers().containsKey("Authorization")).isFalse();
    }

    @Test
    void anAllowWithoutCanMakesAPlainMember() throws Exception {
        JoinDecision d = answered("{\"allow\": true}");

        assertThat(d).isEqualTo(JoinDecision.asMember());
        assertThat(d.can()).isEqualTo(Capability.MEMBER);
        assertThat(counted(metrics, "join", "allowed")).isEqualTo(1);
    }

    @Test
    void anAllowWithCanAndMemberGivesExactlyThose() throws Exception {
        JoinDecision d = answered("{\"allow\": true, \"can\": [\"join\", \"moderate\"],"
                + " \"member\": {\"role\": \"host\", \"badges\": [\"early\"], \"level\": 3, \"note\": null}}");

        assertThat(d.allowed()).isTrue();
        assertThat(d.code()).isNull();
        assertThat(d.can()).containsExactlyInAnyOrder(Capability.JOIN, Capability.MODERATE);
        assertThat(d.member()).containsEntry("role", "host").containsEntry("badges", List.of("early"))
                .containsEntry("level", 3).containsEntry("note", null);
    }

    @Test
    void aRefusalIsForbiddenWithTheBackendsReason() throws Exception {
        JoinDecision d = answered("{\"allow\": false, \"reason\": \"banned from the lobby until Monday\"}");

        assertThat(d).isEqualTo(JoinDecision.refuse("banned from the lobby until Monday"));
        assertThat(d.code()).isEqualTo(AccessDecision.FORBIDDEN);
        assertThat(d.can()).isEmpty();
        assertThat(counted(metrics, "join", "refused")).isEqualTo(1);
        assertThat(counted(metrics, "join", "allowed")).isZero();
    }

    @Test
    void aRefusalWithoutAReasonSaysWhoRefusedWhat() throws Exception {
        JoinDecision d = answered("{\"allow\": false}");

        assertThat(d.code()).isEqualTo(AccessDecision.FORBIDDEN);
        assertThat(d.reason()).isEqualTo("the join proxy refused room 'lobby'");
    }

    @Test
    void aLongReasonIsCutBeforeItReachesTheClient() throws Exception {
        JoinDecision d = answered("{\"allow\": false, \"reason\": \"" + "x".repeat(5000) + "\"}");

        assertThat(d.reason()).hasSize(BackendAnswer.MAX_REASON_LENGTH + 1).endsWith("…");
    }

    static Stream<Arguments> brokenAnswers() {
        return Stream.of(
                Arguments.of("not json", "is not JSON"),
                Arguments.of("[true]", "is not a JSON object"),
                Arguments.of("", "is not a JSON object"),
                Arguments.of("{}", "'allow' must be true or false, and is missing"),
                Arguments.of("{\"allow\": \"yes\"}", "'allow' must be true or false, and is a string"),
                Arguments.of("{\"allow\": null}", "'allow' must be true or false, and is missing"),
                Arguments.of("{\"allow\": false, \"allow\": true}", "Duplicate field 'allow'"),
                Arguments.of("{\"allow\": false} {\"allow\": true}", "is not JSON"),
                Arguments.of("{\"allow\": true, \"can\": [\"join\", \"fly\"]}", "unknown capability 'fly'"),
                Arguments.of("{\"allow\": true, \"can\": \"join\"}", "'can' must be a list of strings"),
                Arguments.of("{\"allow\": true, \"can\": [\"join\", 1]}", "'can' must be a list of strings"),
                Arguments.of("{\"allow\": true, \"can\": [\"post\"]}", "must include \"join\""),
                Arguments.of("{\"allow\": true, \"can\": []}", "must include \"join\""),
                Arguments.of("{\"allow\": true, \"member\": [\"host\"]}", "'member' must be a JSON object"),
                Arguments.of("{\"allow\": false, \"reason\": 42}", "'reason' must be a string"));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("brokenAnswers")
    void anAnswerThatBreaksTheContractFailsClosed(String json, String why) throws Exception {
        JoinDecision d = answered(json);

        assertThat(d.allowed()).isFalse();
        assertThat(d.code()).isEqualTo(AccessDecision.BACKEND_UNAVAILABLE);
        assertThat(d.reason()).startsWith("the join proxy's answer breaks the contract: ").contains(why);
        assertThat(d.can()).isEmpty();
        assertThat(counted(metrics, "join", "failed")).isEqualTo(1);
        assertThat(counted(metrics, "join", "allowed") + counted(metrics, "join", "refused")).isZero();
    }

    @Test
    void theDecisionsKeepTheirInvariant() {
        assertThat(JoinDecision.unavailable("down").can()).isEqualTo(Set.of());
        assertThatThrownBy(() -> new JoinDecision(true, Set.of(), Map.of(), AccessDecision.FORBIDDEN, "no"))
                .hasMessageContaining("exactly when it is not allowed");
    }
}
