package io.roomcast.cluster;

import io.roomcast.testing.Nginx;
import io.roomcast.testing.NodeProcess;
import io.roomcast.testing.ResumingClient;
import io.roomcast.testing.SharedBroker;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A rolling restart behind nginx: each of three nodes in turn gets SIGTERM and comes back on its port, while
 * messages are published through nginx and 60 clients stay connected through it. Nothing is lost or
 * duplicated, and every connection a node closed was closed with 1012.
 */
class RollingRestartThroughNginxIT {
    static final int CLIENTS = 60;
    static final String[] DRAIN = {"--drain-period", "1s", "--drain-timeout", "6s"};

    @Test
    void sigtermEachNodeInTurnLosesAndDuplicatesNothing() throws Exception {
        String namesrv = SharedBroker.get().namesrv();
        int[] ports = {freePort(), freePort(), freePort()};
        NodeProcess[] nodes = new NodeProcess[3];
        for (int i = 0; i < 3; i++) {
            nodes[i] = start(i, ports[i], namesrv);
        }
        HttpClient http = HttpClient.newHttpClient();
        try (Nginx nginx = Nginx.start(List.of(ports[0], ports[1], ports[2]), null)) {
            List<ResumingClient> clients = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                ResumingClient c = new ResumingClient(nginx.wsUrl(), "roller" + i, ResumingClient.subscriptions("room", "/topic/room.rolling3"));
                c.connect();
                clients.add(c);
            }
            List<String> sent = new CopyOnWriteArrayList<>();
            AtomicBoolean publishing = new AtomicBoolean(true);
            Thread publisher = new Thread(() -> {
                // Bounded: at most 3000 messages. Through nginx: a draining node refuses new connections and
                // nginx tries the next one, so a publish is never lost or sent twice.
                for (int n = 0; n < 3000 && publishing.get(); n++) {
                    HttpRequest post = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + nginx.port()
                                    + "/api/rooms/rolling3/messages"))
                            .header("Authorization", "Bearer " + NodeProcess.API_KEY)
                            .POST(HttpRequest.BodyPublishers.ofString("{\"data\":\"" + n + "\"}")).build();
                    try {
                        if (http.send(post, HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
                            sent.add(Integer.toString(n));
                        }
                        Thread.sleep(10);
                    } catch (Exception e) {
                        return;
                    }
                }
            });
            publisher.start();
            for (int i = 0; i < 3; i++) {
                pumpFor(clients, Duration.ofSeconds(2));
                nodes[i].process().destroy(); // SIGTERM
                long stopStart = System.nanoTime();
                java.util.concurrent.CompletableFuture<Long> exitedAt = nodes[i].process().onExit()
                        .thenApply(p -> System.nanoTime());
                long stopDeadline = stopStart + Duration.ofSeconds(10).toNanos();
                while (nodes[i].process().isAlive() && System.nanoTime() < stopDeadline) {
                    pumpFor(clients, Duration.ofMillis(100));
                }
                System.out.printf("node %d: %s%n", i, exitedAt.isDone() ? "exited " + TimeUnit.NANOSECONDS.toMillis(
                        exitedAt.join() - stopStart) + " ms after SIGTERM" : "still running 10 s after SIGTERM");
                if (nodes[i].process().isAlive()) { // what it is stuck on, since CI keeps the build output only
                    System.out.println(nodes[i].threadDump());
                }
                assertThat(nodes[i].process().isAlive()).as("node %d exits within its drain timeout", i).isFalse();
                nodes[i] = start(i, ports[i], namesrv);
            }
            pumpFor(clients, Duration.ofSeconds(2));
            publishing.set(false);
            publisher.join(10_000);
            try {
                await().atMost(Duration.ofSeconds(30)).until(() -> {
                    clients.forEach(ResumingClient::pump);
                    return clients.stream().allMatch(c -> c.bodies("room").size() >= sent.size());
                });
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                StringBuilder why = new StringBuilder("clients missing messages (sent " + sent.size() + "):\n");
                clients.stream().filter(c -> c.bodies("room").size() < sent.size()).limit(8).forEach(c ->
                        why.append(String.format("  %s nodes=%s closes=%s reconnects=%d got=%d problems=%s missing=%s%n",
                                c.user(), c.nodes(), c.closeCodes(), c.reconnects(), c.bodies("room").size(),
                                c.problems(), sent.stream().filter(m -> !c.bodies("room").contains(m)).limit(5).toList())));
                throw new AssertionError(why.toString(), e);
            }
            for (ResumingClient c : clients) {
                assertThat(c.problems()).as(c.user()).isEmpty();
                assertThat(c.bodies("room")).as("%s: every message once, in order", c.user()).isEqualTo(sent);
                assertThat(c.closeCodes()).as("%s: closed by a draining node with 1012 only", c.user())
                        .allMatch(code -> code == 1012);
            }
            assertThat(clients.stream().mapToInt(ResumingClient::reconnects).sum())
                    .as("the restarts moved clients").isPositive();
            clients.forEach(ResumingClient::close);
        } finally {
            for (NodeProcess n : nodes) {
                if (n != null) {
                    n.close();
                }
            }
        }
    }

    private static NodeProcess start(int i, int port, String namesrv) throws Exception {
        List<String> args = new ArrayList<>(List.of(DRAIN));
        args.addAll(List.of("--port", Integer.toString(port), "--trusted-proxies", Nginx.TRUSTED_PROXIES));
        return NodeProcess.start("rr-" + i, namesrv, args.toArray(String[]::new));
    }

    private static void pumpFor(List<ResumingClient> clients, Duration d) throws InterruptedException {
        long end = System.nanoTime() + d.toNanos();
        while (System.nanoTime() < end) {
            clients.forEach(ResumingClient::pump);
            TimeUnit.MILLISECONDS.sleep(20);
        }
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
