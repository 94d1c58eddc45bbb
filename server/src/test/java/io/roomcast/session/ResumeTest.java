package io.roomcast.session;

import io.roomcast.testing.SpringStomp;
import io.roomcast.testing.SpringStomp.Received;
import io.roomcast.testing.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code SUBSCRIBE ... since:<position>}: the recovery event, the missed messages, then live ones. */
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
            for (int i = 0; i < bad.size(); i++) {
                String id = "bad" + i;
                dan.subscribe(id, "/topic/room.resume3", bad.get(i));
                Received r = dan.next(id);
                assertThat(r.event()).as("position '%s'", bad.get(i)).isEqualTo("recovery");
                assertThat(r.header("recovered")).as("position '%s'", bad.get(i)).isEqualTo("false");
                assertThat(r.header("position")).isEqualTo(head);
                dan.assertNothingMore(id, Duration.ofMillis(50));
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

    /**
     * The hard case: messages keep arriving while the replay runs. Every message must appear exactly once and
     * in order, whether it reached the subscription through history or live.
     */
    @RepeatedTest(5)
    void messagesPublishedDuringTheReplayAppearExactlyOnceInOrder() throws Exception {
        String room = "race" + System.nanoTime();
        String position;
        try (SpringStomp fay = SpringStomp.connect(node, "fay")) {
            position = fay.subscribe("room", "/topic/room." + room);
        }
        for (int i = 0; i < 20; i++) {
            post(room, Integer.toString(i));
        }
        AtomicBoolean publishing = new AtomicBoolean(true);
        AtomicInteger next = new AtomicInteger(20);
        Thread publisher = new Thread(() -> {
            // Bounded: stops when the test says so, and never publishes more than 2000 messages, which stays
            // inside the 3000-message window, so the replay must be complete.
            while (publishing.get() && next.get() < 2000) {
                post(room, Integer.toString(next.getAndIncrement()));
                if (next.get() % 10 == 0) {
                    Thread.onSpinWait();
                }
            }
        });
        try (SpringStomp fay = SpringStomp.connect(node, "fay")) {
            publisher.start();
            fay.subscribe("room", "/topic/room." + room, position);
            Thread.sleep(20); // let live traffic overlap the replay and follow it
            publishing.set(false);
            publisher.join(5000);
            int total = next.get();
            List<Integer> seen = new ArrayList<>();
            Received recovery = fay.next("room");
            assertThat(recovery.header("recovered")).isEqualTo("true");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (seen.size() < total && System.nanoTime() < deadline) {
                Received r = fay.next("room");
                if ("message".equals(r.event())) {
                    seen.add(Integer.parseInt(r.body()));
                }
            }
            List<Integer> expected = new ArrayList<>();
            for (int i = 0; i < total; i++) {
                expected.add(i);
            }
            assertThat(seen).as("%d messages, each once, in order", total).isEqualTo(expected);
            fay.assertNothingMore("room", Duration.ofMillis(100));
        }
    }
}
