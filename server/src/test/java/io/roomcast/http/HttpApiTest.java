package io.roomcast.http;

import io.roomcast.testing.SpringStomp;
import io.roomcast.testing.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The HTTP API against a real node: every route and every error status. */
class HttpApiTest {
    static TestNode node;

    @BeforeAll
    static void start() {
        node = TestNode.start(s -> s.httpMaxBodyBytes = 4096);
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    private static void assertError(HttpResponse<String> r, int status, String code) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
        assertThat(r.body()).contains("\"error\":\"" + code + "\"").contains("\"message\":\"");
    }

    @Test
    void publishingToARoomReturnsThePositionTheClientSees() {
        try (SpringStomp alice = SpringStomp.connect(node, "alice")) {
            alice.subscribe("room", "/topic/room.api");
            HttpResponse<String> r = node.api("POST", "/api/rooms/api/messages",
                    "{\"data\":\"from the backend\",\"from\":\"ops\",\"headers\":{\"x-kind\":\"notice\"}}");
            assertThat(r.statusCode()).isEqualTo(200);
            String position = r.body().replaceAll(".*\"position\":\"([^\"]+)\".*", "$1");
            var m = alice.nextEvent("room", "message");
            assertThat(m.body()).isEqualTo("from the backend");
            assertThat(m.header("from")).isEqualTo("ops");
            assertThat(m.header("x-kind")).isEqualTo("notice");
            assertThat(m.header("position")).isEqualTo(position);
        }
    }

    @Test
    void presenceListsMembersWithSessionCounts() {
        try (SpringStomp a1 = SpringStomp.connect(node, "ann");
             SpringStomp a2 = SpringStomp.connect(node, "ann");
             SpringStomp b = SpringStomp.connect(node, "ben")) {
            a1.subscribe("room", "/topic/room.present");
            a2.subscribe("room", "/topic/room.present");
            b.subscribe("room", "/topic/room.present");
            HttpResponse<String> r = node.api("GET", "/api/rooms/present/presence", null);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("{\"room\":\"present\",\"users\":["
                    + "{\"user\":\"ann\",\"sessions\":2,\"nodes\":[\"test-node\"]},"
                    + "{\"user\":\"ben\",\"sessions\":1,\"nodes\":[\"test-node\"]}]}");
        }
    }

    @Test
    void deletingSessionsDisconnectsTheUser() {
        SpringStomp zed = SpringStomp.connect(node, "zed");
        SpringStomp zed2 = SpringStomp.connect(node, "zed");
        HttpResponse<String> r = node.api("DELETE", "/api/users/zed/sessions", null);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("\"disconnected\":2");
        await().until(() -> !zed.isConnected() && !zed2.isConnected());
    }

    @Test
    void nodesAndHealth() {
        assertThat(node.api("GET", "/api/nodes", null).body()).contains("\"node\":\"test-node\"")
                .contains("\"connections\":");
        assertThat(node.request("GET", "/health/live", null, null).statusCode()).isEqualTo(200);
        assertThat(node.request("GET", "/health/ready", null, null).body()).contains("\"status\":\"ready\"");
    }

    @Test
    void malformedJsonIs400() {
        assertError(node.api("POST", "/api/broadcast", "{\"data\": "), 400, "bad-json");
        assertError(node.api("POST", "/api/broadcast", "[1,2]"), 400, "bad-json");
    }

    @Test
    void missingOrEmptyDataIs400() {
        assertError(node.api("POST", "/api/broadcast", "{}"), 400, "invalid-request");
        assertError(node.api("POST", "/api/broadcast", "{\"data\":null}"), 400, "invalid-request");
        assertError(node.api("POST", "/api/users/u/messages", "{\"data\":\"\"}"), 400, "invalid-request");
    }

    @Test
    void invalidRoomIs400() {
        assertError(node.api("POST", "/api/rooms/bad%20room/messages", "{\"data\":\"x\"}"), 400, "invalid-room");
    }

    @Test
    void roomIdsAreHeldToTheSharedRule() {
        String longest = "r".repeat(64); // --max-room-length's default, the SDK's limit too
        assertThat(node.api("POST", "/api/rooms/" + longest + "/messages", "{\"data\":\"x\"}").statusCode())
                .isEqualTo(200);
        assertError(node.api("POST", "/api/rooms/" + longest + "r/messages", "{\"data\":\"x\"}"), 400,
                "invalid-room");
        assertError(node.api("GET", "/api/rooms/-starts-badly/presence", null), 400, "invalid-room");
    }

    @Test
    void userIdsAreCheckedOnEveryUserRoute() {
        String longest = "u".repeat(128);
        assertThat(node.api("POST", "/api/users/" + longest + "/messages", "{\"data\":\"x\"}").statusCode())
                .isEqualTo(200);
        assertError(node.api("POST", "/api/users/" + longest + "u/messages", "{\"data\":\"x\"}"), 400,
                "invalid-user");
        assertError(node.api("POST", "/api/users/%01bell/messages", "{\"data\":\"x\"}"), 400, "invalid-user");
        assertError(node.api("POST", "/api/users/%20/messages", "{\"data\":\"x\"}"), 400, "invalid-user");
        assertError(node.api("DELETE", "/api/users/" + longest + "u/sessions", null), 400, "invalid-user");
        assertError(node.api("POST", "/api/broadcast", "{\"data\":\"x\",\"from\":\"" + longest + "u\"}"), 400,
                "invalid-user");
    }

    /**
     * Each name that reads as one the node sets, however it is spelled, is refused naming it; a room member
     * never sees one. The fence: a good message published after the refusals is the member's next frame.
     */
    @Test
    void reservedHeadersAreRefusedNamingThemAndNeverDelivered() {
        try (SpringStomp bob = SpringStomp.connect(node, "bob")) {
            bob.subscribe("room", "/topic/room.spoofed");
            bob.nextEvent("room", "join");
            for (String name : java.util.List.of("user", " user", "user ", "USER", "From", "receipt-id", "message",
                    "session", "node", "user-name", "error", "event", "position", "subscription", "message-id",
                    "content-type", "ack", "recovered")) {
                HttpResponse<String> r = node.api("POST", "/api/rooms/spoofed/messages",
                        "{\"data\":\"spoof\",\"headers\":{\"" + name + "\":\"mallory\"}}");
                assertError(r, 400, "reserved-header");
                assertThat(r.body()).as(name).contains("header '" + name + "' is reserved");
            }
            node.api("POST", "/api/rooms/spoofed/messages", "{\"data\":\"fence\",\"headers\":{\"x-user\":\"ok\"}}");
            SpringStomp.Received fence = bob.assertNextIs("room", "fence");
            assertThat(fence.header("x-user")).isEqualTo("ok");
            assertThat(fence.header("user")).isNull();
        }
    }

    @Test
    void missingKeyIs401AndWrongKeyIs403() {
        assertError(node.request("GET", "/api/nodes", null, null), 401, "unauthorized");
        assertError(node.request("GET", "/api/nodes", null, "Bearer wrong-key"), 403, "forbidden");
    }

    @Test
    void unknownRouteIs404() {
        assertError(node.api("GET", "/api/nothing/here", null), 404, "not-found");
        assertError(node.request("GET", "/nothing", null, null), 404, "not-found");
    }

    @Test
    void wrongMethodIs405() {
        assertError(node.api("GET", "/api/broadcast", null), 405, "method-not-allowed");
        assertError(node.api("POST", "/api/rooms/r/presence", "{}"), 405, "method-not-allowed");
    }

    @Test
    void tooLargeBodyIs413() {
        String big = "{\"data\":\"" + "x".repeat(5000) + "\"}";
        assertError(node.api("POST", "/api/broadcast", big), 413, "too-large");
        // the node is still fine
        assertThat(node.api("GET", "/api/nodes", null).statusCode()).isEqualTo(200);
    }

    @Test
    void malformedHttpIs400() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", node.port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write("GET /api/nodes HTTP/1.1\r\nHost: x\r\nBad Header Without Colon\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).startsWith("HTTP/1.1 400");
        }
    }

    @Test
    void theDemoPageAndItsAssetsAreServedWithoutAKey() {
        HttpResponse<String> page = node.request("GET", "/", null, null);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("content-type")).hasValue("text/html; charset=utf-8");
        assertThat(page.headers().firstValue("content-security-policy")).hasValueSatisfying(
                csp -> assertThat(csp).contains("default-src 'self'"));
        assertThat(page.body()).contains("<title>Roomcast").contains("/app.js");
        assertThat(node.request("GET", "/admin", null, null).body()).contains("Roomcast admin");
        HttpResponse<String> client = node.request("GET", "/roomcast-client.js", null, null);
        assertThat(client.headers().firstValue("content-type")).hasValue("text/javascript; charset=utf-8");
        assertThat(client.body()).contains("since");
        // The STOMP client comes from the WebJar, with or without its version in the path.
        HttpResponse<String> stompjs = node.request("GET", "/webjars/stomp__stompjs/esm6/index.js", null, null);
        assertThat(stompjs.statusCode()).isEqualTo(200);
        assertThat(stompjs.body()).contains("export * from './client.js'");
        assertThat(node.request("GET", "/webjars/stomp__stompjs/esm6/client.js", null, null).statusCode())
                .isEqualTo(200);
    }

    @Test
    void anUnchangedAssetIsA304() throws Exception {
        HttpResponse<String> first = node.request("GET", "/style.css", null, null);
        String etag = first.headers().firstValue("etag").orElseThrow();
        var request = HttpRequest.newBuilder(URI.create(node.httpUrl("/style.css")))
                .header("If-None-Match", etag).build();
        var second = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
        assertThat(second.statusCode()).isEqualTo(304);
        assertThat(second.body()).isEmpty();
    }

    @Test
    void staticFilesRefuseOtherMethodsAndPathsOutsideTheirRoots() {
        assertError(node.request("POST", "/", "{}", null), 405, "method-not-allowed");
        assertError(node.request("GET", "/web/index.html", null, null), 404, "not-found");
        assertError(node.request("GET", "/webjars/stomp__stompjs/../../../logback.xml", null, null), 404,
                "not-found");
        assertError(node.request("GET", "/webjars/nothing-here/x.js", null, null), 404, "not-found");
        assertError(node.request("GET", "/.hidden", null, null), 404, "not-found");
    }

    @Test
    void infoTellsABrowserHowToSignIn() {
        HttpResponse<String> r = node.request("GET", "/info", null, null);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("\"node\":\"test-node\"").contains("\"auth\":\"insecure\"")
                .doesNotContain(TestNode.API_KEY);
    }
}
