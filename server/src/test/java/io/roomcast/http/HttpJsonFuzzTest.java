package io.roomcast.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.roomcast.testing.TestNode;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tag;
import io.roomcast.testing.CleanRun;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

import java.net.http.HttpResponse;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Random and mutated JSON bodies at the HTTP API's publishing routes. Each answer is 200 with a position, or a
 * 4xx whose JSON body names the error and says what was wrong; never a 5xx, and the node stays live.
 */
class HttpJsonFuzzTest {
    static final CleanRun RUN = new CleanRun();

    static TestNode node;
    static final ObjectMapper JSON = new ObjectMapper();

    @BeforeContainer
    static void start() {
        node = TestNode.start(s -> s.httpMaxBodyBytes = 4096);
    }

    @AfterContainer
    static void stop() {
        node.close();
    }

    @Property(tries = 300, seed = "20261201")
    void everyBodyGetsAClearAnswer(@ForAll("routes") String route, @ForAll("bodies") String body) throws Exception {
        check(route, body);
    }

    @Property(tries = 5_000)
    @Tag("fuzz-long")
    void everyBodyGetsAClearAnswerLong(@ForAll("routes") String route, @ForAll("bodies") String body) throws Exception {
        check(route, body);
    }

    static void check(String route, String body) throws Exception {
        RUN.check(() -> checkOnce(route, body));
    }

    @AfterContainer
    static void recordRow() {
        RUN.recordIfClean("random and mutated JSON bodies at the three publishing routes (300 with a fixed seed)",
                "answered 200 with a position or a 4xx with a JSON error and message; never a "
                + "5xx; stayed live", "HttpJsonFuzzTest");
    }

    static void checkOnce(String route, String body) throws Exception {
        HttpResponse<String> r = node.api("POST", route, body);
        JsonNode answer = JSON.readTree(r.body());
        if (r.statusCode() == 200) {
            assertThat(answer.path("position").asText()).matches("[^.]+\\.\\d+\\.\\d+");
        } else {
            assertThat(r.statusCode()).as(r.body()).isBetween(400, 499);
            assertThat(answer.path("error").asText()).isNotBlank();
            assertThat(answer.path("message").asText()).isNotBlank();
        }
        assertThat(node.request("GET", "/health/live", null, null).statusCode()).isEqualTo(200);
    }

    @Provide
    Arbitrary<String> routes() {
        return Arbitraries.of("/api/rooms/lobby/messages", "/api/users/ann/messages", "/api/broadcast",
                "/api/rooms/bad%20room/messages", "/api/rooms/" + "r".repeat(80) + "/messages");
    }

    @Provide
    Arbitrary<String> bodies() {
        Arbitrary<String> value = Arbitraries.oneOf(
                Arbitraries.strings().ofMaxLength(30).map(s -> JSON.valueToTree(s).toString()),
                Arbitraries.integers().map(String::valueOf),
                Arbitraries.of("null", "true", "[]", "{}", "[1,\"a\"]", "{\"a\":{\"b\":[]}}", "1e999", "-0"));
        Arbitrary<String> key = Arbitraries.of("data", "from", "headers", "contentType", "content-type", "x", "");
        Arbitrary<String> object = Combinators.combine(key, value).as((k, v) -> "\"" + k + "\":" + v)
                .list().ofMaxSize(5).map(fields -> "{" + String.join(",", fields) + "}");
        Arbitrary<String> headers = Arbitraries.of("{\"x-kind\":\"a\"}", "{\"destination\":\"x\"}",
                "{\"message-id\":\"1\"}", "{\"\":\"\"}", "{\"a\":1}", "[]", "{\"a\\nb\":\"c\"}");
        Arbitrary<String> plausible = Combinators.combine(value, headers).as((d, h) ->
                "{\"data\":" + d + ",\"headers\":" + h + "}");
        Arbitrary<String> valid = Arbitraries.strings().ofMaxLength(40).map(s ->
                "{\"data\":" + JSON.valueToTree(s) + "}");
        return Arbitraries.oneOf(object, plausible, valid, valid.flatMap(HttpJsonFuzzTest::mutate),
                Arbitraries.strings().ofMaxLength(60), Arbitraries.just("x".repeat(5000)));
    }

    static Arbitrary<String> mutate(String s) {
        if (s.isEmpty()) {
            return Arbitraries.just(s);
        }
        return Combinators.combine(Arbitraries.integers().between(0, s.length() - 1),
                Arbitraries.chars().ascii(), Arbitraries.of(List.of(0, 1, 2))).as((i, c, kind) -> switch (kind) {
                    case 0 -> s.substring(0, i) + c + s.substring(i + 1);
                    case 1 -> s.substring(0, i);
                    default -> s.substring(0, i) + c + s.substring(i);
                });
    }
}
