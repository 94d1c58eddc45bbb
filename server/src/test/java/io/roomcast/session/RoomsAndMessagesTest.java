package io.roomcast.session;

import io.roomcast.testing.RawStomp;
import io.roomcast.testing.SpringStomp;
import io.roomcast.testing.SpringStomp.Received;
import io.roomcast.testing.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Rooms, whispers, broadcasts and direct messages, seen through Spring's STOMP client. */
class RoomsAndMessagesTest {
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
    void roomChatBetweenThreeUsersReachesEveryoneInOrder() {
        try (SpringStomp alice = SpringStomp.connect(node, "alice");
             SpringStomp bob = SpringStomp.connect(node, "bob");
             SpringStomp carol = SpringStomp.connect(node, "carol")) {
            for (SpringStomp u : List.of(alice, bob, carol)) {
                u.subscribe("room", "/topic/room.chat3");
            }
            alice.send("/app/room.chat3", "hi from alice");
            bob.send("/app/room.chat3", "hi from bob");
            carol.send("/app/room.chat3", "hi from carol");
            for (SpringStomp u : List.of(alice, bob, carol)) {
                Received m1 = u.nextEvent("room", "message");
                Received m2 = u.nextEvent("room", "message");
                Received m3 = u.nextEvent("room", "message");
                assertThat(List.of(m1.body(), m2.body(), m3.body()))
                        .containsExactly("hi from alice", "hi from bob", "hi from carol");
                assertThat(m1.header("from")).isEqualTo("alice");
                assertThat(m1.header("room")).isEqualTo("chat3");
                assertThat(m1.header("destination")).isEqualTo("/topic/room.chat3");
                assertThat(m1.header("position")).isNotBlank();
                assertThat(m1.header("message-id")).isNotBlank();
            }
        }
    }

    @Test
    void joinAndLeaveEventsNameTheUser() {
        try (SpringStomp alice = SpringStomp.connect(node, "alice")) {
            alice.subscribe("room", "/topic/room.doors");
            assertThat(alice.nextEvent("room", "join").header("user")).isEqualTo("alice");
            SpringStomp bob = SpringStomp.connect(node, "bob");
            bob.subscribe("room", "/topic/room.doors");
            Received join = alice.nextEvent("room", "join");
            assertThat(join.header("user")).isEqualTo("bob");
            assertThat(join.header("room")).isEqualTo("doors");
            bob.unsubscribe("room");
            assertThat(alice.nextEvent("room", "leave").header("user")).isEqualTo("bob");
            bob.subscribe("room2", "/topic/room.doors");
            assertThat(alice.nextEvent("room", "join").header("user")).isEqualTo("bob");
            bob.close(); // a disconnect leaves every room
            assertThat(alice.nextEvent("room", "leave").header("user")).isEqualTo("bob");
        }
    }

    @Test
    void whisperReachesOnlyTheRecipientInTheRoom() {
        try (SpringStomp alice = SpringStomp.connect(node, "alice");
             SpringStomp bob = SpringStomp.connect(node, "bob");
             SpringStomp carol = SpringStomp.connect(node, "carol")) {
            for (SpringStomp u : List.of(alice, bob, carol)) {
                u.subscribe("me", "/user/queue/messages");
                u.subscribe("room", "/topic/room.hush");
            }
            String position = alice.send("/app/whisper", "psst bob", "room", "hush", "to", "bob");
            Received w = bob.next("me");
            assertThat(w.body()).isEqualTo("psst bob");
            assertThat(w.event()).isEqualTo("whisper");
            assertThat(w.header("from")).isEqualTo("alice");
            assertThat(w.header("room")).isEqualTo("hush");
            assertThat(w.header("position")).isEqualTo(position);
            // Fences: a direct message to each, published after the whisper (the memory bus hands a message to
            // every event loop before publish returns, so each fence is queued behind the whisper).
            for (String user : List.of("carol", "alice")) {
                node.api("POST", "/api/users/" + user + "/messages", "{\"data\":\"fence " + user + "\"}");
            }
            carol.assertNextIs("me", "fence carol");
            alice.assertNextIs("me", "fence alice");
        }
    }

    @Test
    void whisperSkipsTheRecipientsSessionsOutsideTheRoom() {
        try (SpringStomp alice = SpringStomp.connect(node, "alice");
             SpringStomp inRoom = SpringStomp.connect(node, "henry");
             SpringStomp elsewhere = SpringStomp.connect(node, "henry")) {
            alice.subscribe("room", "/topic/room.nook");
            inRoom.subscribe("me", "/user/queue/messages");
            inRoom.subscribe("room", "/topic/room.nook");
            elsewhere.subscribe("me", "/user/queue/messages"); // henry's, but this session is not in the room
            String position = alice.send("/app/whisper", "psst henry", "room", "nook", "to", "henry");
            Received w = inRoom.next("me");
            assertThat(w.body()).isEqualTo("psst henry");
            assertThat(w.header("position")).isEqualTo(position);
            // The fence: a direct message on the same user stream, after the whisper. The session outside the
            // room gets it as its next frame; the whisper never came before it.
            assertThat(node.api("POST", "/api/users/henry/messages", "{\"data\":\"fence\"}").statusCode())
                    .isEqualTo(200);
            assertThat(elsewhere.assertNextIs("me", "fence").event()).isEqualTo("direct");
            inRoom.assertNextIs("me", "fence");
        }
    }

    /**
     * A member tries to pass for another user (or for the node) with headers that read, to stompjs and to
     * applications that fold case, as ones the node sets. Each SEND is refused with {@code reserved-header}
     * naming the header and its receipt; nothing is published. The fence: the spoofer's next, plain, message is
     * the other member's next message.
     */
    @Test
    void headersThatPassForTheNodesOwnAreRefusedAndNeverDelivered() {
        List<String> spoofs = List.of("user:alice", "user :alice", " user:alice", "USER:alice", "From:alice",
                "\tuser:alice", "receipt-id:r-1", "message:hi", "session:s-1", "node:other", "user-name:alice",
                "error:none", "event:join", "position:0-0-0", "subscription:sub-1", "message-id:1", "room:other",
                "content-type :text/html", "recovered:true", "ack:1");
        try (RawStomp mallory = RawStomp.connect(node, "mallory");
             SpringStomp bob = SpringStomp.connect(node, "bob")) {
            bob.subscribe("room", "/topic/room.masks");
            mallory.send("SUBSCRIBE\nid:e\ndestination:/user/queue/errors\n\n\0");
            mallory.send("SUBSCRIBE\nid:r\ndestination:/topic/room.masks\nreceipt:in\n\n\0");
            assertThat(RawStomp.header(mallory.next("RECEIPT"), "receipt-id")).isEqualTo("in");
            bob.nextEvent("room", "join"); // bob's own
            assertThat(bob.nextEvent("room", "join").header("user")).isEqualTo("mallory");
            for (int i = 0; i < spoofs.size(); i++) {
                mallory.send("SEND\ndestination:/app/room.masks\nreceipt:s" + i + "\n" + spoofs.get(i)
                        + "\n\nspoof\0");
                String refusal;
                do {
                    refusal = mallory.next("MESSAGE"); // her own room's events may come first
                } while (!"error".equals(RawStomp.header(refusal, "event")));
                String name = spoofs.get(i).substring(0, spoofs.get(i).indexOf(':'));
                assertThat(RawStomp.header(refusal, "error")).as(spoofs.get(i)).isEqualTo("reserved-header");
                assertThat(RawStomp.header(refusal, "receipt-id")).isEqualTo("s" + i);
                assertThat(RawStomp.body(refusal)).contains("header '" + name.replace('\t', '?') + "' is reserved");
            }
            mallory.send("SEND\ndestination:/app/room.masks\nwhisper-to:nobody\n\nplain\0");
            Received fence = bob.assertNextIs("room", "plain");
            assertThat(fence.header("from")).isEqualTo("mallory");
            assertThat(fence.header("whisper-to")).isEqualTo("nobody");
            assertThat(fence.header("user")).isNull();
            assertThat(mallory.isClosed()).isFalse();
        }
    }

    @Test
    void aWhispersOwnHeadersAreConsumedAndASpoofedOneIsRefused() {
        try (SpringStomp alice = SpringStomp.connect(node, "alice");
             SpringStomp bob = SpringStomp.connect(node, "bob")) {
            alice.subscribe("errors", "/user/queue/errors");
            for (SpringStomp u : List.of(alice, bob)) {
                u.subscribe("me", "/user/queue/messages");
                u.subscribe("room", "/topic/room.murmur");
            }
            alice.sendNoReceipt("/app/whisper", "spoof", "room", "murmur", "to", "bob", "user", "carol");
            Received refusal = alice.next("errors");
            assertThat(refusal.header("error")).isEqualTo("reserved-header");
            assertThat(refusal.body()).contains("header 'user' is reserved");
            alice.send("/app/whisper", "psst", "room", "murmur", "to", "bob");
            Received w = bob.assertNextIs("me", "psst"); // the fence: the refused whisper never came first
            assertThat(w.header("from")).isEqualTo("alice");
            assertThat(w.header("to")).isNull(); // consumed, not passed on
            assertThat(w.header("user")).isNull();
        }
    }

    @Test
    void whisperToUserOutsideRoomIsRefused() {
        try (SpringStomp alice = SpringStomp.connect(node, "alice");
             SpringStomp dave = SpringStomp.connect(node, "dave")) {
            alice.subscribe("errors", "/user/queue/errors");
            alice.subscribe("room", "/topic/room.private1");
            dave.subscribe("me", "/user/queue/messages");
            alice.sendNoReceipt("/app/whisper", "psst", "room", "private1", "to", "dave");
            Received error = alice.next("errors");
            assertThat(error.header("error")).isEqualTo("recipient-not-in-room");
            assertThat(error.body()).contains("dave").contains("private1");
            // The fence: dave's next frame is a direct message published after the refusal, not the whisper.
            node.api("POST", "/api/users/dave/messages", "{\"data\":\"fence\"}");
            dave.assertNextIs("me", "fence");
            // the connection stays open and usable
            alice.send("/app/room.private1", "still here");
            assertThat(alice.nextEvent("room", "message").body()).isEqualTo("still here");
        }
    }

    @Test
    void whisperFromOutsideTheRoomIsRefused() {
        try (SpringStomp eve = SpringStomp.connect(node, "eve");
             SpringStomp bob = SpringStomp.connect(node, "bob")) {
            eve.subscribe("errors", "/user/queue/errors");
            bob.subscribe("room", "/topic/room.closed");
            bob.subscribe("me", "/user/queue/messages");
            eve.sendNoReceipt("/app/whisper", "hello", "room", "closed", "to", "bob");
            assertThat(eve.next("errors").header("error")).isEqualTo("not-a-member");
            node.api("POST", "/api/users/bob/messages", "{\"data\":\"fence\"}");
            bob.assertNextIs("me", "fence");
        }
    }

    @Test
    void postToRoomNotJoinedIsRefusedWithTheReceiptAndTheConnectionStaysOpen() {
        try (SpringStomp eve = SpringStomp.connect(node, "eve")) {
            eve.subscribe("errors", "/user/queue/errors");
            eve.sendNoReceipt("/app/room.elsewhere", "let me in", "receipt", "r-42");
            Received error = eve.next("errors");
            assertThat(error.header("error")).isEqualTo("not-a-member");
            assertThat(error.header("receipt-id")).isEqualTo("r-42");
            assertThat(error.body()).contains("SUBSCRIBE to /topic/room.elsewhere");
            eve.sendNoReceipt("/app/nowhere", "x");
            assertThat(eve.next("errors").header("error")).isEqualTo("unknown-destination");
            eve.subscribe("room", "/topic/room.elsewhere");
            assertThat(eve.isConnected()).isTrue();
        }
    }

    @Test
    void broadcastReachesEveryoneOnTheTopicAndItsAlias() {
        try (SpringStomp alice = SpringStomp.connect(node, "alice");
             SpringStomp legacy = SpringStomp.connect(node, "legacy")) {
            alice.subscribe("all", "/topic/broadcast");
            legacy.subscribe("all", "/topic/sendTopic");
            var response = node.api("POST", "/api/broadcast", "{\"data\":{\"notice\":\"maintenance\"}}");
            assertThat(response.statusCode()).isEqualTo(200);
            for (SpringStomp u : List.of(alice, legacy)) {
                Received b = u.next("all");
                assertThat(b.body()).isEqualTo("{\"notice\":\"maintenance\"}");
                assertThat(b.header("content-type")).isEqualTo("application/json");
                assertThat(b.header("position")).isEqualTo(response.body().replaceAll(".*\"position\":\"([^\"]+)\".*", "$1"));
            }
        }
    }

    @Test
    void directMessageReachesEverySessionOfTheUserIncludingTheAlias() {
        try (SpringStomp phone = SpringStomp.connect(node, "frank");
             SpringStomp laptop = SpringStomp.connect(node, "frank");
             SpringStomp other = SpringStomp.connect(node, "gina")) {
            phone.subscribe("me", "/user/queue/messages");
            laptop.subscribe("me", "/user/queue/sendUser");
            other.subscribe("me", "/user/queue/messages");
            var response = node.api("POST", "/api/users/frank/messages", "{\"data\":\"your order shipped\"}");
            assertThat(response.statusCode()).isEqualTo(200);
            for (SpringStomp s : List.of(phone, laptop)) {
                Received d = s.next("me");
                assertThat(d.body()).isEqualTo("your order shipped");
                assertThat(d.event()).isEqualTo("direct");
            }
            node.api("POST", "/api/users/gina/messages", "{\"data\":\"fence\"}");
            other.assertNextIs("me", "fence");
        }
    }

    @Test
    void receiptsCarryTheStreamPosition() {
        try (SpringStomp alice = SpringStomp.connect(node, "alice")) {
            String atSubscribe = alice.subscribe("room", "/topic/room.receipts");
            assertThat(atSubscribe).isNotBlank();
            String sent = alice.send("/app/room.receipts", "one");
            Received m = alice.nextEvent("room", "message");
            assertThat(m.header("position")).isEqualTo(sent);
            assertThat(sent).isNotEqualTo(atSubscribe);
        }
    }
}
