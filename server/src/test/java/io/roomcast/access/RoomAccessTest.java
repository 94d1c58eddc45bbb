package io.roomcast.access;

import com.fasterxml.jackson.databind.JsonNode;
import io.roomcast.auth.Tokens;
import io.roomcast.config.Settings.AuthMode;
import io.roomcast.config.Settings.RoomAccessMode;
import io.roomcast.testing.RawStomp;
import io.roomcast.testing.Reliability;
import io.roomcast.testing.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static io.roomcast.testing.RawStomp.body;
import static io.roomcast.testing.RawStomp.header;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Who may join which room, and do what there, on a real node with real clients: {@code --room-access open},
 * {@code grants} (the connection token's {@code rooms} claim, and room tokens on SUBSCRIBE), {@code proxy} (a
 * backend asked over HTTP), and {@code --auth proxy}. A refusal is a MESSAGE on {@code /user/queue/errors}
 * whose {@code error} is the cause and whose text names what was missing; the client stays connected.
 */
class RoomAccessTest {
    private static final String SECRET = "room-access-test-secret-0123456789abcdef";
    private static final String OTHER_SECRET = "another-issuers-secret-0123456789abcdef";
    private static final Duration HOUR = Duration.ofHours(1);

    /** {@code --auth jwt}, so {@code --room-access} is grants by default. */
    static TestNode grants;

    @BeforeAll
    static void start() {
        grants = TestNode.start(s -> {
            s.auth = AuthMode.jwt;
            s.jwtSecret = SECRET;
        });
    }

    @AfterAll
    static void stop() {
        grants.close();
    }

    // ---- open ----

    @Test
    void openRoomsLetAnyoneSignedInJoinPostWhisperAndAskWhoIsThere() {
        try (TestNode open = TestNode.start(); // --auth insecure: --room-access is open by default
             RawStomp ann = listening(RawStomp.connect(open, "ann"));
             RawStomp bob = listening(RawStomp.connect(open, "bob"))) {
            assertAllowed(join(ann, "anywhere"));
            assertAllowed(join(bob, "anywhere"));

            assertAllowed(post(ann, "anywhere", "hello"));
            assertThat(body(bob.nextContent())).isEqualTo("hello");
            assertAllowed(whisper(ann, "anywhere", "bob", "psst"));
            String whisper = bob.nextContent();
            assertThat(header(whisper, "event")).isEqualTo("whisper");
            assertThat(header(whisper, "from")).isEqualTo("ann");
            assertThat(body(whisper)).isEqualTo("psst");
            String who = presence(ann, "anywhere");
            assertThat(header(who, "event")).as(who).isEqualTo("presence");
            assertThat(body(who)).contains("\"ann\"").contains("\"bob\"");
        }
    }

    // ---- grants: the rooms claim ----

    @Test
    void aListOfRoomsGrantsJoinPostWhisperAndPresenceInEach() {
        try (RawStomp ann = listening(withRooms("ann", List.of("lobby")));
             RawStomp bob = listening(withRooms("bob", List.of("lobby")))) {
            assertAllowed(join(ann, "lobby"));
            assertAllowed(join(bob, "lobby"));

            assertAllowed(post(ann, "lobby", "hi all"));
            assertThat(body(bob.nextContent())).isEqualTo("hi all");
            assertAllowed(whisper(ann, "lobby", "bob", "just you"));
            assertThat(body(bob.nextContent())).isEqualTo("just you");
            assertThat(header(presence(ann, "lobby"), "event")).isEqualTo("presence");
        }
    }

    @Test
    void aRoomGrantedOnlyJoinRefusesPostsWhispersAndPresenceNamingTheCapability() {
        try (RawStomp cara = listening(withRooms("cara", Map.of("stage", List.of("join"))));
             RawStomp dave = listening(withRooms("dave", Map.of("stage", List.of("join", "post", "whisper",
                     "presence"))))) {
            assertAllowed(join(cara, "stage"));
            assertAllowed(join(dave, "stage"));

            assertRefused(post(cara, "stage", "heckle"), "forbidden", "may not post in room 'stage'", "'post'");
            assertRefused(whisper(cara, "stage", "dave", "psst"), "forbidden", "may not whisper", "'whisper'");
            assertRefused(presence(cara, "stage"), "forbidden", "room 'stage'", "'presence'");

            // Nothing refused reached dave: the next frames on the room's stream and on his own are the fences.
            grants.publish("stage", "room-fence");
            assertThat(body(dave.nextContent())).isEqualTo("room-fence");
            direct(grants, "dave", "user-fence");
            assertThat(body(dave.nextContent())).isEqualTo("user-fence");
            // cara was refused, not removed: she still receives the room she joined.
            assertThat(body(cara.nextContent())).isEqualTo("room-fence");
            Reliability.record("Access", "a post, a whisper and a presence query in a room the token grants only"
                    + " 'join' (rooms: {stage: [join]})", "refused each with error:forbidden naming the missing"
                    + " capability; the connection stays in the room", "the other member got none of them",
                    "only the refused requests", "RoomAccessTest");
        }
    }

    /** Capabilities belong to the connection that joined: a second connection of the user has none there. */
    @Test
    void aConnectionThatHasNotJoinedMayNotPostWhisperOrAskWhoIsThereOnTheStrengthOfAnother() {
        try (RawStomp joined = listening(withRooms("finn", Map.of("stage", List.of("join"))));
             RawStomp other = listening(withRooms("finn", Map.of("stage", List.of("join"))));
             RawStomp gil = listening(withRooms("gil", List.of("stage")))) {
            assertAllowed(join(joined, "stage"));
            assertAllowed(join(gil, "stage"));

            assertRefused(post(other, "stage", "sneak"), "forbidden", "has not joined room 'stage'");
            assertRefused(whisper(other, "stage", "gil", "sneak"), "forbidden", "has not joined room 'stage'");
            assertRefused(presence(other, "stage"), "forbidden", "has not joined room 'stage'");
        }
    }

    @Test
    void aRoomTheTokenDoesNotGrantIsRefusedNamingJoinAndTheClientStaysConnected() {
        try (RawStomp eve = listening(withRooms("eve", List.of("lobby")));
             RawStomp nobody = listening(RawStomp.connectWithToken(grants.wsUrl(),
                     Tokens.hs256(SECRET, "nobody", HOUR)).connected())) {
            String refused = join(eve, "vault");
            assertRefused(refused, "forbidden", "may not join room 'vault'", "'join'");
            assertThat(header(refused, "receipt-id")).isEqualTo("join-vault");
            assertRefused(join(nobody, "lobby"), "forbidden", "'join'"); // no rooms claim grants no room

            assertAllowed(join(eve, "lobby"));
            grants.publish("vault", "not for eve");
            grants.publish("lobby", "fence");
            assertThat(body(eve.nextContent())).as("the refused SUBSCRIBE registered nothing").isEqualTo("fence");
            assertThat(eve.isClosed()).isFalse();
            Reliability.record("Access", "a SUBSCRIBE to a room the token's rooms claim does not grant (--room-access"
                    + " grants)", "refused it with error:forbidden naming 'join' and the receipt-id; the"
                    + " connection stays open and keeps its other rooms", "nothing", "nothing", "RoomAccessTest");
        }
    }

    @Test
    void aPrefixPatternGrantsEveryRoomStartingWithItAndOverlappingPatternsAddUp() {
        try (RawStomp tess = listening(withRooms("tess", Map.of("team-*", List.of("join"),
                "team-7-*", List.of("post"))))) {
            assertAllowed(join(tess, "team-7-a"));
            assertAllowed(join(tess, "team-8"));
            assertRefused(join(tess, "teams"), "forbidden", "'join'");
            assertRefused(join(tess, "crew-7-a"), "forbidden", "'join'");

            assertAllowed(post(tess, "team-7-a", "both patterns")); // join from team-*, post from team-7-*
            assertRefused(post(tess, "team-8", "only join"), "forbidden", "'post'");
        }
    }

    // ---- grants: room tokens ----

    @Test
    void aRoomTokenGrantsARoomTheConnectionTokenDoesNotWithWhatItsCanSays() {
        try (RawStomp ann = listening(withRooms("ann", List.of("lobby")))) {
            assertRefused(join(ann, "vip"), "forbidden", "'join'");
            String ticket = Tokens.forUser("ann", Duration.ofMinutes(5)).room("vip", null).hs256(SECRET);
            assertAllowed(join(ann, "vip", "token:" + ticket));
            assertAllowed(post(ann, "vip", "in with a ticket"));

            String listenOnly = Tokens.forUser("ann", Duration.ofMinutes(5)).room("gallery", List.of("join"))
                    .hs256(SECRET);
            assertAllowed(join(ann, "gallery", "token:" + listenOnly));
            assertRefused(post(ann, "gallery", "shout"), "forbidden", "'post'");
        }
    }

    static Stream<Arguments> roomTokensThatDoNotFit() {
        Duration minutes = Duration.ofMinutes(5);
        return Stream.of(
                // Past the 30 s of clock skew the node tolerates.
                Arguments.of("that expired", Tokens.forUser("ann", Duration.ofMinutes(-2)).room("vip", null)
                        .hs256(SECRET), "token expired at"),
                Arguments.of("for another room", Tokens.forUser("ann", minutes).room("green-room", null)
                        .hs256(SECRET), "room token is for room 'green-room', not 'vip'"),
                Arguments.of("for another user", Tokens.forUser("mallory", minutes).room("vip", null)
                        .hs256(SECRET), "room token is for user 'mallory', not 'ann'"),
                Arguments.of("signed with another key", Tokens.forUser("ann", minutes).room("vip", null)
                        .hs256(OTHER_SECRET), "token signature is invalid"));
    }

    @ParameterizedTest(name = "a room token {0} is refused with the reason")
    @MethodSource("roomTokensThatDoNotFit")
    void aRoomTokenThatDoesNotFitIsRefusedWithTheReason(String what, String token, String reason) {
        try (RawStomp ann = listening(withRooms("ann", List.of("lobby")))) {
            String refused = join(ann, "vip", "token:" + token);

            assertRefused(refused, "forbidden", "room token refused: " + reason);
            assertAllowed(join(ann, "lobby"));
            Reliability.record("Access", "a room token " + what + " on SUBSCRIBE", "refused the join with"
                    + " error:forbidden saying why (\"room token refused: " + reason + "...\"); the connection stays"
                    + " open", "nothing",
                    "nothing", "RoomAccessTest");
        }
    }

    // ---- proxy: the join proxy ----

    private static TestNode proxied(URI joinProxy, Duration timeout) {
        return TestNode.start(s -> {
            s.roomAccess = RoomAccessMode.proxy;
            s.joinProxy = joinProxy;
            s.proxyTimeout = timeout;
        });
    }

    @Test
    void theJoinProxyIsAskedWithTheSubscribesHeadersAndItsCanIsWhatTheMemberMayDo() throws Exception {
        try (StubBackend backend = StubBackend.start();
             TestNode node = proxied(backend.uri(), Duration.ofSeconds(5));
             RawStomp ann = listening(RawStomp.connect(node, "ann"));
             RawStomp bob = listening(RawStomp.connect(node, "bob"))) {
            backend.answer("{\"allow\": true, \"can\": [\"join\", \"post\"]}");

            assertAllowed(join(ann, "hall", "x-team:7"));
            JsonNode asked = backend.nextCall().body();
            assertThat(asked.get("user").textValue()).isEqualTo("ann");
            assertThat(asked.get("room").textValue()).isEqualTo("hall");
            assertThat(asked.get("node").textValue()).isEqualTo("test-node");
            assertThat(asked.get("headers").get("x-team").textValue()).isEqualTo("7");
            assertThat(asked.get("headers").has("destination")).as("STOMP's own headers stay").isFalse();
            assertAllowed(join(bob, "hall"));

            assertAllowed(post(ann, "hall", "hello hall"));
            assertThat(body(bob.nextContent())).isEqualTo("hello hall");
            assertRefused(whisper(ann, "hall", "bob", "psst"), "forbidden", "'whisper'");
        }
    }

    @Test
    void aJoinTheProxyRefusesCarriesItsReasonAndTheClientStaysConnected() {
        try (StubBackend backend = StubBackend.start();
             TestNode node = proxied(backend.uri(), Duration.ofSeconds(5));
             RawStomp ann = listening(RawStomp.connect(node, "ann"))) {
            backend.answer("{\"allow\": false, \"reason\": \"the hall is full\"}");
            assertRefused(join(ann, "hall"), "forbidden", "the hall is full");

            backend.answer("{\"allow\": true}");
            assertAllowed(join(ann, "annex"));
            node.publish("hall", "not for ann");
            node.publish("annex", "fence");
            assertThat(body(ann.nextContent())).isEqualTo("fence");
            Reliability.record("Access", "the join proxy answers allow:false with a reason", "refused the join"
                    + " with error:forbidden and the backend's reason; the connection stays open", "nothing",
                    "nothing", "RoomAccessTest");
        }
    }

    @Test
    void aJoinProxyThatIsDownRefusesTheJoinAsBackendUnavailable() throws Exception {
        try (TestNode node = proxied(StubBackend.down(), Duration.ofSeconds(5));
             RawStomp ann = listening(RawStomp.connect(node, "ann"))) {
            assertRefused(join(ann, "hall"), "backend-unavailable", "the join proxy could not be reached");

            direct(node, "ann", "fence");
            assertThat(body(ann.nextContent())).as("still connected").isEqualTo("fence");
            Reliability.record("Access", "the join proxy is down (nothing listens at --join-proxy)", "refused the"
                    + " join with error:backend-unavailable (fails closed); the connection stays open", "nothing",
                    "nothing", "RoomAccessTest");
        }
    }

    @Test
    void aJoinProxySlowerThanTheTimeoutRefusesTheJoinAsBackendUnavailable() {
        try (StubBackend backend = StubBackend.start().holding();
             TestNode node = proxied(backend.uri(), Duration.ofMillis(300));
             RawStomp ann = listening(RawStomp.connect(node, "ann"))) {
            long start = System.nanoTime();
            String refused = join(ann, "hall");
            long tookMillis = (System.nanoTime() - start) / 1_000_000;

            assertRefused(refused, "backend-unavailable", "the join proxy did not answer within 300 ms");
            assertThat(tookMillis).isBetween(300L, 5_000L);
            Reliability.record("Access", "the join proxy does not answer (held past --proxy-timeout 300ms)",
                    "refused the join with error:backend-unavailable after " + tookMillis + " ms; the connection"
                            + " stays open", "nothing", "nothing", "RoomAccessTest");
        }
    }

    /**
     * The join waits for the backend off the event loop. The waiting connection is opened first and then one
     * other per event loop: the node hands connections to its loops in turn, so one of the others shares the
     * waiting one's loop, and a loop blocked on the backend would hold its messages back.
     */
    @Test
    void whileTheJoinProxyIsSlowEveryOtherClientOnTheNodeKeepsReceiving() {
        int loops = Runtime.getRuntime().availableProcessors(); // the node is in this JVM: its loop count
        List<RawStomp> others = new ArrayList<>();
        try (StubBackend backend = StubBackend.start();
             TestNode node = proxied(backend.uri(), Duration.ofSeconds(20));
             RawStomp waiting = listening(RawStomp.connect(node, "waiting"))) {
            for (int i = 0; i < loops; i++) {
                others.add(listening(RawStomp.connect(node, "other-" + i)));
                assertAllowed(join(others.get(i), "calm"));
            }
            backend.holding();
            waiting.send("SUBSCRIBE\nid:slow\ndestination:/topic/room.slow\nreceipt:join-slow\n\n\0");
            await().atMost(Duration.ofSeconds(5)).until(() -> backend.received() == loops + 1);

            long worstMillis = 0;
            for (int m = 0; m < 5; m++) {
                node.publish("calm", "calm-" + m);
                long published = System.nanoTime();
                for (RawStomp other : others) {
                    assertThat(body(other.nextContent())).isEqualTo("calm-" + m);
                    worstMillis = Math.max(worstMillis, (System.nanoTime() - published) / 1_000_000);
                }
            }
            assertThat(worstMillis).as("the slowest delivery while the backend held a join (ms)").isLessThan(1000);
            assertThat(waiting.poll()).as("the join still waits for the backend").isNull();
            backend.release();
            assertAllowed(waiting.answer("join-slow"));
            Reliability.record("Access", "the join proxy holds a join's answer (a slow backend)", "waited for it"
                    + " off the event loop, reading nothing more from that client meanwhile", "every other client"
                    + " on the node, one per event loop, got each of 5 messages, in order, the slowest in "
                    + worstMillis + " ms", "nothing", "RoomAccessTest");
        } finally {
            others.forEach(RawStomp::close);
        }
    }

    // ---- --auth proxy: the connect proxy ----

    private static TestNode connectProxied(URI connectProxy) {
        return TestNode.start(s -> {
            s.auth = AuthMode.proxy;
            s.connectProxy = connectProxy;
            s.roomAccess = RoomAccessMode.grants;
        });
    }

    @Test
    void theConnectProxyAuthenticatesFromTheHandshakesCookieAndItsRoomsAreTheGrants() throws Exception {
        try (StubBackend backend = StubBackend.start();
             TestNode node = connectProxied(backend.uri());
             RawStomp carol = openWith(node, Map.of("Cookie", "session=c4r0l", "X-Not-Listed", "kept back"))) {
            backend.answer("{\"allow\": true, \"user\": \"carol\", \"rooms\": [\"lobby\"]}");

            carol.send("CONNECT\naccept-version:1.2\nhost:x\n\n\0");
            String connected = carol.next();
            assertThat(connected).startsWith("CONNECTED\n");
            assertThat(header(connected, "user-name")).isEqualTo("carol");
            JsonNode asked = backend.nextCall().body();
            assertThat(asked.get("headers").get("cookie").textValue()).isEqualTo("session=c4r0l");
            assertThat(asked.get("headers").has("x-not-listed")).as("not in --connect-proxy-headers").isFalse();

            listening(carol);
            assertAllowed(join(carol, "lobby"));
            assertRefused(join(carol, "attic"), "forbidden", "'join'");
        }
    }

    @Test
    void aConnectionTheConnectProxyRefusesGetsAnErrorAndIsClosed() {
        try (StubBackend backend = StubBackend.start();
             TestNode node = connectProxied(backend.uri());
             RawStomp mallory = openWith(node, Map.of("Cookie", "session=forged"))) {
            backend.answer("{\"allow\": false, \"reason\": \"no such session\"}");

            mallory.send("CONNECT\naccept-version:1.2\nhost:x\n\n\0");
            String error = mallory.next();
            assertThat(error).startsWith("ERROR\n");
            assertThat(body(error)).isEqualTo("authentication failed: no such session");
            assertThat(mallory.awaitClose()).isEqualTo(1008);
            assertThat(node.metric("roomcast_disconnects_total", "reason=\"auth-failed\"")).isEqualTo(1);
            Reliability.record("Access", "the connect proxy refuses a handshake's session (--auth proxy)", "ERROR"
                    + " with the backend's reason, then close 1008 (auth-failed)", "nothing", "nothing",
                    "RoomAccessTest");
        }
    }

    // ---- helpers ----

    /** Connected to the grants node as {@code user}, with {@code rooms} as its token's rooms claim. */
    private static RawStomp withRooms(String user, Object rooms) {
        return RawStomp.connectWithToken(grants.wsUrl(), Tokens.forUser(user, HOUR).rooms(rooms).hs256(SECRET))
                .connected();
    }

    /** Subscribes {@code c} to its refusals and to its own queue (whispers, direct messages). */
    private static RawStomp listening(RawStomp c) {
        c.send("SUBSCRIBE\nid:errors\ndestination:/user/queue/errors\n\n\0");
        c.send("SUBSCRIBE\nid:mine\ndestination:/user/queue/messages\n\n\0");
        return c;
    }

    private static RawStomp openWith(TestNode node, Map<String, String> handshakeHeaders) {
        try {
            return RawStomp.openWith(node.wsUrl(), handshakeHeaders);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** SUBSCRIBE to {@code room} with extra header lines; @return the RECEIPT, or the refusal */
    private static String join(RawStomp c, String room, String... headerLines) {
        StringBuilder extra = new StringBuilder();
        for (String line : headerLines) {
            extra.append(line).append('\n');
        }
        c.send("SUBSCRIBE\nid:" + room + "\ndestination:/topic/room." + room + "\nreceipt:join-" + room + "\n"
                + extra + "\n\0");
        return c.answer("join-" + room);
    }

    private static String post(RawStomp c, String room, String text) {
        c.send("SEND\ndestination:/app/room." + room + "\nreceipt:post-" + text + "\n\n" + text + "\0");
        return c.answer("post-" + text);
    }

    private static String whisper(RawStomp c, String room, String to, String text) {
        c.send("SEND\ndestination:/app/whisper\nroom:" + room + "\nto:" + to + "\nreceipt:whisper-" + text + "\n\n"
                + text + "\0");
        return c.answer("whisper-" + text);
    }

    /** Asks who is in {@code room}; @return the {@code event:presence} answer, or the refusal */
    private static String presence(RawStomp c, String room) {
        c.send("SUBSCRIBE\nid:who-" + room + "\ndestination:/app/presence." + room + "\nreceipt:who-" + room
                + "\n\n\0");
        for (int i = 0; i < 100; i++) {
            String f = c.next();
            String event = header(f, "event");
            if ("presence".equals(event) || "error".equals(event) && ("who-" + room).equals(header(f, "receipt-id"))) {
                return f;
            }
        }
        throw new AssertionError("no answer to the presence query of " + room);
    }

    private static void direct(TestNode node, String user, String text) {
        assertThat(node.api("POST", "/api/users/" + user + "/messages", "{\"data\":\"" + text + "\"}")
                .statusCode()).isEqualTo(200);
    }

    private static void assertAllowed(String answer) {
        assertThat(answer).as("allowed: %s", answer).startsWith("RECEIPT\n");
    }

    private static void assertRefused(String answer, String code, String... mentions) {
        assertThat(answer).as("a refusal: %s", answer).startsWith("MESSAGE\n");
        assertThat(header(answer, "event")).as(answer).isEqualTo("error");
        assertThat(header(answer, "error")).as(answer).isEqualTo(code);
        assertThat(body(answer)).contains(mentions);
    }
}
