package io.roomcast.cluster;

import io.roomcast.testing.Nginx;
import io.roomcast.testing.NodeProcess;
import io.roomcast.testing.RawStomp;
import io.roomcast.testing.Reliability;
import io.roomcast.testing.ResumingClient;
import io.roomcast.testing.SharedBroker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.roomcast.testing.RawStomp.header;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Three nodes behind Debian's nginx with the shipped configuration. */
class NginxIT {
    static NodeProcess a;
    static NodeProcess b;
    static NodeProcess c;
    static Nginx nginx;

    @BeforeAll
    static void start() throws Exception {
        String namesrv = SharedBroker.get().namesrv();
        String[] args = {"--heartbeat-send", "1s", "--trusted-proxies", Nginx.TRUSTED_PROXIES};
        a = NodeProcess.start("nginx-a", namesrv, args);
        b = NodeProcess.start("nginx-b", namesrv, args);
        c = NodeProcess.start("nginx-c", namesrv, args);
        // A short WebSocket read timeout, so the heart-beat test doesn't take a minute.
        nginx = Nginx.start(List.of(a.port(), b.port(), c.port()), "3s");
    }

    @AfterAll
    static void stop() throws Exception {
        if (nginx != null) {
            nginx.close();
        }
        for (NodeProcess n : new NodeProcess[] {a, b, c}) {
            if (n != null) {
                n.close();
            }
        }
    }

    @Test
    void noStickySessionsAClientResumesOnWhicheverNodeItLandsOn() throws Exception {
        ResumingClient client = new ResumingClient(nginx.wsUrl(), "wanderer", ResumingClient.subscriptions("room", "/topic/room.wander"));
        Set<String> seen = new HashSet<>();
        List<String> expected = new ArrayList<>();
        for (int round = 0; round < 6; round++) {
            client.connect();
            // publish while connected, and while away
            a.post("/api/rooms/wander/messages", "{\"data\":\"while-connected-" + round + "\"}");
            expected.add("while-connected-" + round);
            int want = expected.size();
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                client.pump();
                return client.bodies("room").size() >= want;
            });
            client.close();
            b.post("/api/rooms/wander/messages", "{\"data\":\"while-away-" + round + "\"}");
            expected.add("while-away-" + round);
        }
        client.connect();
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            client.pump();
            return client.bodies("room").size() >= expected.size();
        });
        seen.addAll(client.nodes());
        assertThat(seen).as("round-robin spread the reconnects over the nodes").hasSizeGreaterThan(1);
        assertThat(client.bodies("room")).isEqualTo(expected);
        assertThat(client.problems()).isEmpty();
        client.close();
    }

    @Test
    void anIdleConnectionOutlivesNginxsReadTimeoutThanksToHeartBeats() throws Exception {
        try (RawStomp idle = RawStomp.open(nginx.wsUrl())) {
            // the client wants a beat every second; nginx cuts upstream reads after 3 s of silence
            idle.send("CONNECT\naccept-version:1.2\nhost:x\nlogin:idler\nheart-beat:0,1000\n\n\0");
            idle.next("CONNECTED");
            idle.send("SUBSCRIBE\nid:1\ndestination:/topic/room.idle\nreceipt:r\n\n\0");
            idle.next("RECEIPT");
            long until = System.nanoTime() + Duration.ofSeconds(7).toNanos();
            await().pollDelay(Duration.ofSeconds(7)).atMost(Duration.ofSeconds(9)).until(() -> System.nanoTime() >= until);
            assertThat(idle.isClosed()).as("still open after 7 s of application silence").isFalse();
            assertThat(idle.heartBeats()).isGreaterThanOrEqualTo(4);
            idle.send("SEND\ndestination:/app/room.idle\n\nstill here\0");
            String m;
            do {
                m = idle.next("MESSAGE");
            } while (!"message".equals(header(m, "event")));
            assertThat(RawStomp.body(m)).isEqualTo("still here");
        }
    }

    @Test
    void killMinusNineThroughNginxLosesNothing() throws Exception {
        int clients = 200;
        int rooms = 4;
        List<ResumingClient> all = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            ResumingClient rc = new ResumingClient(nginx.wsUrl(), "crash" + i,
                    ResumingClient.subscriptions("room", "/topic/room.crash" + (i % rooms), "me", "/user/queue/messages"));
            rc.connect();
            all.add(rc);
        }
        long onC = all.stream().filter(rc -> rc.nodes().get(0).equals("nginx-c")).count();
        assertThat(onC).as("about a third of the clients on the node to be killed").isBetween(50L, 90L);
        // the whisperer sits on node a, which survives, in room crash0
        RawStomp whisperer = RawStomp.connect(a.wsUrl(), "whisperer");
        whisperer.send("SUBSCRIBE\nid:1\ndestination:/topic/room.crash0\nreceipt:w\n\n\0");
        whisperer.next("RECEIPT");
        whisperer.send("SUBSCRIBE\nid:2\ndestination:/user/queue/errors\nreceipt:e\n\n\0");
        whisperer.next("RECEIPT");
        Map<String, String> whisperTo = new ConcurrentHashMap<>();
        await().atMost(Duration.ofSeconds(15)).until(() -> {
            all.forEach(ResumingClient::pump);
            String presence = a.get("/api/rooms/crash0/presence", true).body();
            return presence.contains("\"crash196\"") && presence.contains("\"whisperer\"");
        });

        List<List<String>> roomSent = new ArrayList<>();
        for (int r = 0; r < rooms; r++) {
            roomSent.add(new CopyOnWriteArrayList<>());
        }
        Map<String, List<String>> userSent = new ConcurrentHashMap<>();
        AtomicBoolean publishing = new AtomicBoolean(true);
        Thread publisher = new Thread(() -> {
            // Bounded: at most 1500 rounds of about 10 ms.
            for (int n = 0; n < 1500 && publishing.get(); n++) {
                int r = n % rooms;
                if (a.post("/api/rooms/crash" + r + "/messages", "{\"data\":\"r" + n + "\"}").statusCode() == 200) {
                    roomSent.get(r).add("r" + n);
                }
                if (n % 5 == 0) {
                    String to = "crash" + ((n / 5) % clients);
                    if (b.post("/api/users/" + to + "/messages", "{\"data\":\"d" + n + "\"}").statusCode() == 200) {
                        userSent.computeIfAbsent(to, k -> new CopyOnWriteArrayList<>()).add("d" + n);
                    }
                }
                if (n % 7 == 0) {
                    // A whisper to someone who is reconnecting (not in the room at that moment) is refused, as
                    // it should be; only the ones the node confirmed with a RECEIPT count as sent.
                    String to = "crash" + (((n / 7) * rooms) % clients); // a member of room crash0
                    whisperTo.put("w" + n, to);
                    whisperer.send("SEND\ndestination:/app/whisper\nroom:crash0\nto:" + to + "\nreceipt:w" + n
                            + "\n\nw" + n + "\0");
                }
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        publisher.start();
        long end = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        while (System.nanoTime() < end) {
            all.forEach(ResumingClient::pump);
            Thread.sleep(20);
        }
        c.kill();
        end = System.nanoTime() + Duration.ofSeconds(6).toNanos();
        while (System.nanoTime() < end) {
            all.forEach(ResumingClient::pump);
            Thread.sleep(20);
        }
        publishing.set(false);
        publisher.join(10_000);
        Map<String, List<String>> whispered = confirmedWhispers(whisperer, whisperTo);
        whispered.forEach((to, ws) -> userSent.computeIfAbsent(to, k -> new CopyOnWriteArrayList<>()).addAll(ws));

        try {
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() -> {
                all.forEach(ResumingClient::pump);
                return all.stream().allMatch(rc -> complete(rc, roomSent, userSent, rooms));
            });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            StringBuilder why = new StringBuilder("clients still missing messages after 30 s:\n");
            all.stream().filter(rc -> !complete(rc, roomSent, userSent, rooms)).limit(10).forEach(rc -> {
                int index = Integer.parseInt(rc.user().substring("crash".length()));
                why.append(String.format("  %s nodes=%s closes=%s reconnects=%d room %d/%d me %d/%d problems=%s%n",
                        rc.user(), rc.nodes(), rc.closeCodes(), rc.reconnects(), rc.bodies("room").size(), roomSent.get(index % rooms).size(),
                        rc.bodies("me").size(), userSent.getOrDefault(rc.user(), List.of()).size(), rc.problems()));
            });
            throw new AssertionError(why.toString(), e);
        }
        List<Long> resumeTimes = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            ResumingClient rc = all.get(i);
            assertThat(rc.problems()).as(rc.user()).isEmpty();
            assertThat(rc.bodies("room")).as("%s room messages: all, once, in order", rc.user())
                    .isEqualTo(roomSent.get(i % rooms));
            List<String> mine = rc.bodies("me");
            List<String> expectedMine = userSent.getOrDefault(rc.user(), List.of());
            assertThat(mine).as("%s whispers and direct messages: all, once", rc.user())
                    .containsExactlyInAnyOrderElementsOf(expectedMine);
            assertThat(mine.stream().filter(s -> s.startsWith("d")).toList()).as("direct messages in order")
                    .isEqualTo(expectedMine.stream().filter(s -> s.startsWith("d")).toList());
            assertThat(mine.stream().filter(s -> s.startsWith("w")).toList()).as("whispers in order")
                    .isEqualTo(expectedMine.stream().filter(s -> s.startsWith("w")).toList());
            if (rc.nodes().get(0).equals("nginx-c")) {
                assertThat(rc.reconnects()).as("%s was on the killed node and reconnected", rc.user()).isPositive();
                resumeTimes.add(rc.lastResumeMillis());
            }
        }
        resumeTimes.sort(Long::compare);
        System.out.printf("kill -9 through nginx: %d clients resumed; resume time p50 %d ms, p99 %d ms, max %d ms%n",
                resumeTimes.size(), resumeTimes.get(resumeTimes.size() / 2),
                resumeTimes.get(Math.min(resumeTimes.size() - 1, resumeTimes.size() * 99 / 100)),
                resumeTimes.get(resumeTimes.size() - 1));
        Reliability.record("Node crash (kill -9)", "kill -9 of one of three nodes behind nginx while " + clients
                + " clients chat, whisper and get direct messages", "its clients' connections drop; nginx sends"
                + " their reconnects to the other nodes, which resume each subscription from its since position",
                String.format("the %d clients on the killed node reconnected and resumed (p50 %d ms, max %d ms);"
                        + " clients on the other nodes noticed nothing", resumeTimes.size(),
                        resumeTimes.get(resumeTimes.size() / 2), resumeTimes.get(resumeTimes.size() - 1)),
                "nothing: every room message, direct message and confirmed whisper arrived once, in order",
                "NginxIT");
        all.forEach(ResumingClient::close);
        whisperer.close();
    }

    /** The whispers the node confirmed, by recipient, in the order they were sent. */
    private static Map<String, List<String>> confirmedWhispers(RawStomp whisperer, Map<String, String> whisperTo) {
        Map<String, List<String>> confirmed = new java.util.TreeMap<>();
        Set<String> answered = new HashSet<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (answered.size() < whisperTo.size() && System.nanoTime() < deadline) {
            String f = whisperer.next();
            String id = header(f, "receipt-id");
            if (id == null || !whisperTo.containsKey(id)) {
                continue;
            }
            answered.add(id);
            if (f.startsWith("RECEIPT\n")) {
                confirmed.computeIfAbsent(whisperTo.get(id), k -> new ArrayList<>()).add(id);
            }
        }
        assertThat(answered).as("every whisper was confirmed or refused").hasSize(whisperTo.size());
        confirmed.values().forEach(l -> l.sort(java.util.Comparator.comparingInt(w -> Integer.parseInt(w.substring(1)))));
        return confirmed;
    }

    private static boolean complete(ResumingClient rc, List<List<String>> roomSent, Map<String, List<String>> userSent,
                                    int rooms) {
        int index = Integer.parseInt(rc.user().substring("crash".length()));
        return rc.bodies("room").size() >= roomSent.get(index % rooms).size()
                && rc.bodies("me").size() >= userSent.getOrDefault(rc.user(), List.of()).size();
    }
}
