package io.roomcast.cluster;

import io.roomcast.testing.NodeProcess;
import io.roomcast.testing.SharedBroker;
import io.roomcast.testing.SpringStomp;
import io.roomcast.testing.SpringStomp.Received;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.messaging.simp.stomp.StompHeaders;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Three nodes as separate JVMs on a real RocketMQ, with users spread over them. */
class ThreeNodeClusterIT {
    static NodeProcess a;
    static NodeProcess b;
    static NodeProcess c;

    @BeforeAll
    static void startCluster() throws Exception {
        String namesrv = SharedBroker.get().namesrv();
        a = NodeProcess.start("node-a", namesrv);
        b = NodeProcess.start("node-b", namesrv);
        c = NodeProcess.start("node-c", namesrv);
        await().atMost(Duration.ofSeconds(20)).until(() -> List.of(a, b, c).stream()
                .allMatch(n -> n.get("/api/nodes", true).body().split("\"node\"").length - 1 == 3));
    }

    @AfterAll
    static void stopCluster() {
        for (NodeProcess n : new NodeProcess[] {a, b, c}) {
            if (n != null) {
                n.close();
            }
        }
    }

    static SpringStomp user(NodeProcess node, String name) {
        StompHeaders h = new StompHeaders();
        h.setLogin(name);
        return SpringStomp.connect(node.wsUrl(), h, new long[] {0, 0});
    }

    @Test
    void roomsWhispersDirectAndBroadcastWorkAcrossNodes() {
        try (SpringStomp alice = user(a, "alice"); SpringStomp bob = user(b, "bob"); SpringStomp carol = user(c, "carol")) {
            for (SpringStomp u : List.of(alice, bob, carol)) {
                u.subscribe("errors", "/user/queue/errors");
                u.subscribe("me", "/user/queue/messages");
                u.subscribe("all", "/topic/broadcast");
            }
            alice.subscribe("room", "/topic/room.xnode");
            bob.subscribe("room", "/topic/room.xnode");
            // bob's join, published on node b, reaches alice on node a
            await().atMost(Duration.ofSeconds(10)).until(() -> alice.queue("room").stream()
                    .anyMatch(r -> "join".equals(r.event()) && "bob".equals(r.header("user"))));
            // presence has converged when a knows bob is in the room; then whispers across nodes work
            await().atMost(Duration.ofSeconds(10)).until(() -> a.get("/api/rooms/xnode/presence", true).body()
                    .contains("\"bob\""));

            alice.send("/app/room.xnode", "hello from a");
            assertThat(bob.nextEvent("room", "message").body()).isEqualTo("hello from a");

            alice.send("/app/whisper", "psst bob", "room", "xnode", "to", "bob");
            Received w = bob.next("me");
            assertThat(w.event()).isEqualTo("whisper");
            assertThat(w.header("from")).isEqualTo("alice");

            // carol (node c) is not in the room: refused, on alice's errors queue
            alice.sendNoReceipt("/app/whisper", "psst carol", "room", "xnode", "to", "carol");
            assertThat(alice.next("errors").header("error")).isEqualTo("recipient-not-in-room");

            // Also the fence for the refused whisper: a direct message on carol's stream, published after the
            // refusal, is the next thing carol receives.
            assertThat(c.post("/api/users/carol/messages", "{\"data\":\"direct via c\"}").statusCode()).isEqualTo(200);
            carol.assertNextIs("me", "direct via c");
            assertThat(b.post("/api/broadcast", "{\"data\":\"to everyone\"}").statusCode()).isEqualTo(200);
            for (SpringStomp u : List.of(alice, bob, carol)) {
                assertThat(u.next("all").body()).isEqualTo("to everyone");
            }

            bob.unsubscribe("room");
            assertThat(alice.nextEvent("room", "leave").header("user")).isEqualTo("bob");
        }
    }

    @Test
    void presenceConvergesAndIsTheSameOnEveryNode() throws Exception {
        try (SpringStomp p1 = user(a, "pat"); SpringStomp p2 = user(b, "pat"); SpringStomp q = user(c, "quinn")) {
            p1.subscribe("room", "/topic/room.census");
            p2.subscribe("room", "/topic/room.census");
            q.subscribe("room", "/topic/room.census");
            String expected = "{\"room\":\"census\",\"users\":[{\"user\":\"pat\",\"sessions\":2,\"nodes\":[\"node-a\",\"node-b\"]},"
                    + "{\"user\":\"quinn\",\"sessions\":1,\"nodes\":[\"node-c\"]}]}";
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                for (NodeProcess n : List.of(a, b, c)) {
                    assertThat(n.get("/api/rooms/census/presence", true).body()).as(n.id()).isEqualTo(expected);
                }
            });
            assertThat(a.get("/api/nodes", true).body()).contains("node-a").contains("node-b").contains("node-c");

            // A node that joins now learns the same picture from the others' heartbeats.
            try (NodeProcess late = NodeProcess.start("node-late", SharedBroker.get().namesrv())) {
                // Usually about a second; the bound is generous on purpose (see
                // docs/rocketmq-bus.md#threenodeclusterit-late-node-presence).
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                        assertThat(late.get("/api/rooms/census/presence", true).body()).isEqualTo(expected));
            }
        }
    }

    @Test
    void deletingAUsersSessionsDisconnectsThemOnEveryNode() {
        SpringStomp onA = user(a, "evicted");
        SpringStomp onC = user(c, "evicted");
        var response = b.send("DELETE", "/api/users/evicted/sessions", null, true);
        assertThat(response.statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> !onA.isConnected() && !onC.isConnected());
    }

    @Test
    void resumeWithPositionsFromOneNodeWorksOnAnother() throws Exception {
        String position;
        try (SpringStomp dana = user(a, "dana")) {
            dana.subscribe("room", "/topic/room.moving");
            a.post("/api/rooms/moving/messages", "{\"data\":\"0\"}");
            position = dana.nextEvent("room", "message").header("position");
        }
        for (int i = 1; i <= 5; i++) {
            a.post("/api/rooms/moving/messages", "{\"data\":\"" + i + "\"}");
        }
        // messages keep coming while dana resubscribes on node b
        Thread publisher = new Thread(() -> {
            for (int i = 6; i <= 40; i++) {
                c.post("/api/rooms/moving/messages", "{\"data\":\"" + i + "\"}");
            }
        });
        try (SpringStomp dana = user(b, "dana")) {
            publisher.start();
            dana.subscribe("room", "/topic/room.moving", position);
            Received recovery = dana.next("room");
            assertThat(recovery.event()).isEqualTo("recovery");
            assertThat(recovery.header("recovered")).isEqualTo("true");
            publisher.join(TimeUnit.SECONDS.toMillis(30));
            List<Integer> got = new ArrayList<>();
            while (got.size() < 40) {
                Received r = dana.next("room");
                if ("message".equals(r.event())) {
                    got.add(Integer.parseInt(r.body()));
                }
            }
            List<Integer> expected = new ArrayList<>();
            for (int i = 1; i <= 40; i++) {
                expected.add(i);
            }
            assertThat(got).isEqualTo(expected);
        }
    }

    @Test
    void tenThousandMessagesThroughOneNodeArriveCompleteAndInOrderOnTheOthers() throws Exception {
        int rooms = 10;
        int perRoom = 1000;
        try (SpringStomp onB = user(b, "orderly-b"); SpringStomp onC = user(c, "orderly-c")) {
            for (int r = 0; r < rooms; r++) {
                onB.subscribe("r" + r, "/topic/room.order" + r);
                onC.subscribe("r" + r, "/topic/room.order" + r);
            }
            // Published through node a's HTTP API: one publisher per room, all rooms at once.
            List<Thread> publishers = new ArrayList<>();
            List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
            for (int r = 0; r < rooms; r++) {
                int room = r;
                Thread t = new Thread(() -> {
                    for (int i = 0; i < perRoom; i++) {
                        var resp = a.post("/api/rooms/order" + room + "/messages", "{\"data\":\"" + i + "\"}");
                        if (resp.statusCode() != 200) {
                            failures.add(new AssertionError("publish " + i + " to room " + room + ": " + resp.body()));
                            return;
                        }
                    }
                });
                publishers.add(t);
                t.start();
            }
            for (Thread t : publishers) {
                t.join(TimeUnit.SECONDS.toMillis(120));
            }
            assertThat(failures).isEmpty();
            for (SpringStomp s : List.of(onB, onC)) {
                for (int r = 0; r < rooms; r++) {
                    List<Integer> got = new ArrayList<>();
                    while (got.size() < perRoom) {
                        Received m = s.next("r" + r);
                        if ("message".equals(m.event())) {
                            got.add(Integer.parseInt(m.body()));
                        }
                    }
                    for (int i = 0; i < perRoom; i++) {
                        assertThat(got.get(i)).as("room %d message %d", r, i).isEqualTo(i);
                    }
                }
            }
        }
    }

    @Test
    void aKilledNodesUsersLeaveTheirRoomsOnTheOthers() throws Exception {
        NodeProcess doomed = NodeProcess.start("node-doomed", SharedBroker.get().namesrv());
        try (SpringStomp watcher = user(a, "watcher"); SpringStomp victim = user(doomed, "victim")) {
            watcher.subscribe("room", "/topic/room.fragile");
            victim.subscribe("room", "/topic/room.fragile");
            await().atMost(Duration.ofSeconds(10)).until(() -> b.get("/api/rooms/fragile/presence", true).body()
                    .contains("victim"));
            long killedAt = System.nanoTime();
            doomed.kill();
            Received leave = watcher.nextEvent("room", "leave");
            long tookMs = (System.nanoTime() - killedAt) / 1_000_000;
            assertThat(leave.header("user")).isEqualTo("victim");
            // --node-timeout is 2 s; allow for the check interval and a busy machine
            assertThat(tookMs).isLessThan(8000);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                for (NodeProcess n : List.of(a, b, c)) {
                    assertThat(n.get("/api/rooms/fragile/presence", true).body()).doesNotContain("victim");
                    assertThat(n.get("/api/nodes", true).body()).doesNotContain("node-doomed");
                }
            });
        } finally {
            doomed.close();
        }
    }
}
