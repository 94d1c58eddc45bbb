package io.roomcast.session;

import io.roomcast.testing.SpringStomp;
import io.roomcast.testing.SpringStomp.Received;
import io.roomcast.testing.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code SUBSCRIBE /app/presence.{room}}: a member asks who else is in the room, over STOMP. */
class PresenceQueryTest {
    static TestNode node;

    @BeforeAll
    static void start() {
        node = TestNode.start();
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    @Test
    void aMemberGetsTheMemberListOnceWithTheRoomsPosition() {
        try (SpringStomp alice = SpringStomp.connect(node, "alice");
             SpringStomp bob = SpringStomp.connect(node, "bob");
             SpringStomp bob2 = SpringStomp.connect(node, "bob")) {
            alice.subscribe("room", "/topic/room.salon");
            bob.subscribe("room", "/topic/room.salon");
            bob2.subscribe("room", "/topic/room.salon");
            assertThat(alice.nextEvent("room", "join").header("user")).isEqualTo("alice");
            Received bobJoined = alice.nextEvent("room", "join");
            assertThat(bobJoined.header("user")).isEqualTo("bob");
            String joinedAt = bobJoined.header("position");

            String receiptPosition = alice.subscribe("who", "/app/presence.salon");
            Received answer = alice.next("who");
            assertThat(answer.event()).isEqualTo("presence");
            assertThat(answer.header("room")).isEqualTo("salon");
            assertThat(answer.header("content-type")).startsWith("application/json");
            assertThat(answer.body()).isEqualTo("{\"room\":\"salon\",\"users\":["
                    + "{\"user\":\"alice\",\"sessions\":1,\"nodes\":[\"test-node\"]},"
                    + "{\"user\":\"bob\",\"sessions\":2,\"nodes\":[\"test-node\"]}]}");
            // The list is as of the room's head, which is bob's join: later events apply on top of it.
            assertThat(answer.header("position")).isEqualTo(joinedAt).isEqualTo(receiptPosition);

            // One-shot: a later join reaches the room subscription, not the query.
            try (SpringStomp carol = SpringStomp.connect(node, "carol")) {
                carol.subscribe("room", "/topic/room.salon");
                assertThat(alice.nextEvent("room", "join").header("user")).isEqualTo("carol");
                // The fence, on the room subscription: a post after carol's join. Had the query stayed
                // subscribed, the join would have reached it before the post reached alice.
                alice.send("/app/room.salon", "fence");
                alice.awaitFenceThenNothingElse("room", "fence", "who");
                // The id was not kept: it can be used again for a fresh answer.
                alice.subscribe("who-again", "/app/presence.salon");
                assertThat(alice.next("who-again").body()).contains("\"user\":\"carol\"");
            }
        }
    }

    @Test
    void someoneOutsideTheRoomIsRefusedAndStaysConnected() {
        try (SpringStomp alice = SpringStomp.connect(node, "alice");
             SpringStomp eve = SpringStomp.connect(node, "eve")) {
            alice.subscribe("room", "/topic/room.closed-door");
            eve.subscribe("errors", "/user/queue/errors");
            eve.subscribeExpectingRefusal("peek", "/app/presence.closed-door", "peek-1");
            Received refusal = eve.next("errors");
            assertThat(refusal.header("error")).isEqualTo("not-a-member");
            assertThat(refusal.header("receipt-id")).isEqualTo("peek-1");
            assertThat(refusal.body()).contains("closed-door");
            assertThat(eve.isConnected()).isTrue();
        }
    }

    @Test
    void anInvalidRoomIdIsRefused() {
        try (SpringStomp alice = SpringStomp.connect(node, "alice")) {
            alice.subscribe("errors", "/user/queue/errors");
            alice.subscribeExpectingRefusal("bad", "/app/presence.no spaces", null);
            assertThat(alice.next("errors").header("error")).isEqualTo("invalid-room");
        }
    }
}
