package io.roomcast.session;

import io.roomcast.testing.SpringStomp;
import io.roomcast.testing.SpringStomp.Received;
import io.roomcast.testing.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code SUBSCRIBE ... since:<position>}: the recovery event, the missed messages, then live ones. A replay that
 * live traffic overlaps, and one the window outruns, are driven step by step in {@link CatchupTest}.
 */
class ResumeTest {
    static TestNode node;

    @BeforeAll
    static void start() {
        // A small window, so that "older than the window" is easy to reach.
        node = TestNode.start(s -> {
            s.historyMaxMessages = 3000;
            s.partitions = 4;
        });
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    private static String post(String room, String text) {
        return node.publish(room, text);
    }

    @Test
    void resumeDeliversExactlyTheMissedMessagesThenLiveOnes() {
        String position;
        try (SpringStomp bob = SpringStomp.connect(node, "bob")) {
            bob.subscribe("room", "/topic/room.resume1");
            post("resume1", "m1");
            position = bob.nextEvent("room", "message").header("position");
        }
        post("resume1", "m2");
        post("resume1", "m3");
        try (SpringStomp bob = SpringStomp.connect(node, "bob")) {
            String head = bob.subscribe("room", "/topic/room.resume1", position);
            Received recovery = bob.next("room");
            assertThat(recovery.event()).isEqualTo("recovery");
            assertThat(recovery.header("recovered")).isEqualTo("true");
            assertThat(recovery.header("position")).isEqualTo(head);
            // bob's own leave (from the first session) may come in between: it is part of the room stream
            assertThat(bob.nextEvent("room", "message").body()).isEqualTo("m2");
            assertThat(bob.nextEvent("room", "message").body()).isEqualTo("m3");
            post("resume1", "m4");
            Received live = bob.nextEvent("room", "message");
            assertThat(live.body()).isEqualTo("m4");
        }
    }

    @Test
    void resumeFromTheReceiptPositionWorksForAClientThatReceivedNothing() {
        String atSubscribe;
        try (SpringStomp carol = SpringStomp.connect(node, "carol")) {
            atSubscribe = carol.subscribe("room", "/topic/room.resume2");
        }
        post("resume2", "while away");
        try (SpringStomp carol = SpringStomp.connect(node, "carol")) {
            carol.subscribe("room", "/topic/room.resume2", atSubscribe);
            assertThat(carol.next("room").header("recovered")).isEqualTo("true");
            // carol's own leave (from the first session) comes first, then the message
            assertThat(carol.nextEvent("room", "message").body()).isEqualTo("while away");
        }
    }

    @Test
    void unknownMalformedForeignOrTooOldPositionsAreNotRecovered() {
        String first;
        try (SpringStomp dan = SpringStomp.connect(node, "dan")) {
            first = dan.subscribe("room", "/topic/room.resume3");
            for (int i = 0; i < 3100; i++) {  // more than the 3000-message window
                post("resume3", "old " + i);
            }
            String head = post("resume3", "newest");
            String foreignEpoch = "zzz" + head.substring(head.indexOf('.'));
            String future = head.substring(0, head.lastIndexOf('.') + 1) + "999999";
            String otherPartition = head.replaceFirst("\\.(\\d+)\\.", ".99.");
            List<String> bad = List.of("garbage", "", "a.b.c", foreignEpoch, future, otherPartition, first);
            // One connection each: a connection subscribes to a destination once.
            List<SpringStomp> resumers = new ArrayList<>();
            try {
                for (int i = 0; i < bad.size(); i++) {
                    SpringStomp resumer = SpringStomp.connect(node, "dan");
                    resumers.add(resumer);
                    resumer.subscribe("room", "/topic/room.resume3", bad.get(i));
                    Received r = resumer.next("room");
                    assertThat(r.event()).as("position '%s'", bad.get(i)).isEqualTo("recovery");
                    assertThat(r.header("recovered")).as("position '%s'", bad.get(i)).isEqualTo("false");
                    assertThat(r.header("position")).isEqualTo(head);
                }
                // The fence: each subscription went live from the head, replaying nothing, so its next frame is
                // a message published now.
                post("resume3", "fence");
                for (SpringStomp resumer : resumers) {
                    resumer.assertNextIs("room", "fence");
                }
            } finally {
                resumers.forEach(SpringStomp::close);
            }
            assertThat(dan.isConnected()).isTrue();
        }
    }

    @Test
    void userStreamResumesWhispersAndDirectMessages() {
        String position;
        try (SpringStomp erin = SpringStomp.connect(node, "erin")) {
            position = erin.subscribe("me", "/user/queue/messages");
        }
        node.api("POST", "/api/users/erin/messages", "{\"data\":\"d1\"}");
        node.api("POST", "/api/users/erin/messages", "{\"data\":\"d2\"}");
        try (SpringStomp erin = SpringStomp.connect(node, "erin")) {
            erin.subscribe("me", "/user/queue/messages", position);
            assertThat(erin.next("me").header("recovered")).isEqualTo("true");
            assertThat(erin.next("me").body()).isEqualTo("d1");
            assertThat(erin.next("me").body()).isEqualTo("d2");
        }
    }
}
