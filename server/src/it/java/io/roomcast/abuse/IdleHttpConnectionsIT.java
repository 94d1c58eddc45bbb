package io.roomcast.abuse;

import io.roomcast.testing.Abuse;
import io.roomcast.testing.BenignSubscriber;
import io.roomcast.testing.NodeProcess;
import io.roomcast.testing.NodeWatch;
import io.roomcast.testing.RawHttp;
import io.roomcast.testing.RawWebSocket;
import io.roomcast.testing.Reliability;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Idle and half-sent HTTP connections are bounded: at most {@code --max-http-connections-per-ip} from one
 * address (the rest get 429 {@code http-connections-per-ip} and are closed), a keep-alive connection with no
 * request in progress is closed after {@code --http-idle-timeout}, and a request whose headers trickle in is
 * closed after {@code --http-header-timeout}. Health checks and WebSocket upgrades from another address
 * keep working throughout. Filed: 1,000 idle keep-alive connections from one address all stayed open.
 */
class IdleHttpConnectionsIT {
    private static final int PER_IP = 20;
    private static final int CONNECTIONS = 100;
    private static final Duration IDLE = Duration.ofSeconds(2);
    private static final Duration HEADER = Duration.ofSeconds(2);
    private static final Duration MARGIN = Duration.ofSeconds(3);
    private static final InetAddress ATTACKER = RawHttp.loopback(1);
    private static final InetAddress OTHERS = RawHttp.loopback(2);
    private static final InetAddress SLOWLORIS = RawHttp.loopback(3);

    /** One of the hundred: what it was answered, when, and when the node closed it. */
    private static final class Conn {
        RawHttp http;
        int status;
        String body = "";
        String error;
        long answeredNanos;
        volatile long closedNanos;
    }

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void idleAndTricklingHttpConnectionsAreBoundedAndClosed() throws Exception {
        try (NodeProcess node = Abuse.start("abuse-idle-http", "--http-idle-timeout", "2s", "--http-header-timeout", "2s",
                "--max-http-connections-per-ip", Integer.toString(PER_IP));
             NodeWatch watch = NodeWatch.of(node, OTHERS).start(Duration.ofSeconds(120));
             BenignSubscriber benign = BenignSubscriber.start(node, "calm", OTHERS, Duration.ofSeconds(5))) {
            Abuse.within(Duration.ofSeconds(10), () -> watch.polls().size() >= 2);
            long attackStart = watch.now();
            AtomicBoolean stop = new AtomicBoolean();
            WebSocketChecks ws = new WebSocketChecks(node.port(), stop);
            ws.thread.start();

            // The slowloris, from its own address so that the per-address limit doesn't hide its timeout.
            RawHttp slow = RawHttp.open(node.port(), SLOWLORIS, Duration.ofSeconds(5));
            byte[] trickle = "GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Trickle: abcdefghijklmnopqrstuvwxyz\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII);
            long slowStart = System.nanoTime();
            Thread slowWriter = new Thread(() -> {
                try {
                    for (int i = 0; i < trickle.length && !stop.get(); i++) {
                        slow.write(new byte[] {trickle[i]});
                        Thread.sleep(500); // the slowloris's pace
                    }
                } catch (IOException | InterruptedException e) {
                    // closed by the node (or by the test)
                }
            }, "slowloris");
            slowWriter.setDaemon(true);
            slowWriter.start();
            long[] slowClosed = new long[1];
            Thread slowReader = daemon("slowloris-reader", () -> {
                if (slow.awaitClosedByPeer(Duration.ofSeconds(12))) {
                    slowClosed[0] = System.nanoTime();
                }
            });

            // A hundred keep-alive connections from one address, each with one health check, then idle.
            List<Conn> conns = new ArrayList<>();
            for (int i = 0; i < CONNECTIONS; i++) {
                Conn c = new Conn();
                conns.add(c);
                try {
                    c.http = RawHttp.open(node.port(), ATTACKER, Duration.ofSeconds(3));
                    RawHttp.Response r = c.http.request("GET", "/health/live", null, Duration.ofSeconds(3));
                    c.status = r.status();
                    c.body = r.body();
                } catch (IOException e) {
                    c.error = e.toString();
                }
                c.answeredNanos = System.nanoTime();
            }
            List<Thread> closeWatchers = new ArrayList<>();
            for (Conn c : conns) {
                if (c.http == null) {
                    continue;
                }
                closeWatchers.add(daemon("idle-watch", () -> {
                    if (c.http.awaitClosedByPeer(Duration.ofSeconds(10))) {
                        c.closedNanos = System.nanoTime();
                    }
                }));
            }
            for (Thread t : closeWatchers) {
                t.join(15_000);
            }
            slowReader.join(15_000);
            // Once the idle ones are gone, the address may connect again.
            int again;
            try {
                again = RawHttp.once(node.port(), ATTACKER, "GET", "/health/live", null, Duration.ofSeconds(2)).status();
            } catch (IOException e) {
                again = 0;
            }
            stop.set(true);
            ws.thread.join(10_000);
            slowWriter.join(5_000);
            slow.close();
            conns.stream().filter(c -> c.http != null).forEach(c -> c.http.close());
            long attackEnd = watch.now();

            boolean fenced = benign.fence(Duration.ofSeconds(10));
            long end = watch.now();
            BenignSubscriber.Report r = benign.report();
            List<Conn> admitted = conns.stream().filter(c -> c.status == 200).toList();
            List<Conn> refused = conns.stream().filter(c -> c.status == 429).toList();
            List<Conn> refusedRight = refused.stream().filter(c -> c.body.contains("http-connections-per-ip")).toList();
            List<Conn> unanswered = conns.stream().filter(c -> c.status == 0).toList();
            List<Conn> other = conns.stream().filter(c -> c.status != 0 && c.status != 200 && c.status != 429).toList();
            long refusedLeftOpen = refused.stream().filter(c -> c.closedNanos == 0).count();
            long admittedLeftOpen = admitted.stream().filter(c -> c.closedNanos == 0).count();
            long idleCloseMin = admitted.stream().filter(c -> c.closedNanos != 0)
                    .mapToLong(c -> (c.closedNanos - c.answeredNanos) / 1_000_000).min().orElse(-1);
            long idleCloseMax = admitted.stream().filter(c -> c.closedNanos != 0)
                    .mapToLong(c -> (c.closedNanos - c.answeredNanos) / 1_000_000).max().orElse(-1);
            int maxOpenAdmitted = maxOverlap(admitted);
            long slowClosedAfter = slowClosed[0] == 0 ? -1 : (slowClosed[0] - slowStart) / 1_000_000;
            boolean alive = Abuse.alive(node);
            Abuse.figures("IdleHttpConnectionsIT", CONNECTIONS + " connections from 127.0.0.1: " + admitted.size()
                    + " admitted (200; at most " + maxOpenAdmitted + " open at once), " + refused.size() + " got 429 ("
                    + refusedRight.size() + " naming http-connections-per-ip, " + refusedLeftOpen + " left open), "
                    + unanswered.size() + " no answer, " + other.size() + " other | admitted ones closed after "
                    + idleCloseMin + ".." + idleCloseMax + " ms idle, " + admittedLeftOpen + " still open after 10 s"
                    + " | slowloris closed after " + slowClosedAfter + " ms | 127.0.0.1 again: " + again
                    + " | WebSocket upgrades from 127.0.0.2: " + ws.ok + " ok, " + ws.failed + " failed (first: "
                    + ws.firstFailure + "), slowest " + ws.slowestMillis + " ms | benign: " + r.describe() + " | "
                    + watch.describeReadiness(attackStart, end) + " | node " + (alive ? "alive" : "DEAD")
                    + " | fence " + fenced);

            SoftAssertions soft = new SoftAssertions();
            BenignSubscriber.check(soft, r, Duration.ofSeconds(2));
            soft.assertThat(admitted.size()).as("connections from 127.0.0.1 admitted").isBetween(1, PER_IP);
            soft.assertThat(maxOpenAdmitted).as("admitted connections open at once").isLessThanOrEqualTo(PER_IP);
            soft.assertThat(other).as("answers other than 200 and 429").isEmpty();
            soft.assertThat(refusedRight).as("429 answers naming http-connections-per-ip").isNotEmpty();
            soft.assertThat(refusedRight.size()).as("429 answers that name http-connections-per-ip").isEqualTo(refused.size());
            soft.assertThat(refusedLeftOpen + unanswered.stream().filter(c -> c.http != null && c.closedNanos == 0).count())
                    .as("refused connections the node left open").isZero();
            soft.assertThat(admittedLeftOpen).as("idle connections still open 10 s after their answer").isZero();
            soft.assertThat(idleCloseMin).as("the soonest an idle connection was closed (ms)")
                    .isGreaterThanOrEqualTo(IDLE.toMillis() / 2);
            soft.assertThat(idleCloseMax).as("the latest an idle connection was closed (ms)")
                    .isBetween(0L, IDLE.plus(MARGIN).toMillis());
            soft.assertThat(slowClosedAfter).as("the slowloris was closed (ms after its first byte)")
                    .isBetween(HEADER.toMillis() / 2, HEADER.plus(MARGIN).toMillis());
            soft.assertThat(again).as("127.0.0.1 connects again once its idle connections are closed").isEqualTo(200);
            soft.assertThat(ws.failed).as("WebSocket upgrades from 127.0.0.2 that failed or took over 2 s (first: %s)",
                    ws.firstFailure).isZero();
            soft.assertThat(ws.ok).as("WebSocket upgrades from 127.0.0.2 that worked").isGreaterThanOrEqualTo(4);
            Abuse.checkReady(soft, watch, attackStart, end);
            soft.assertThat(alive).as("the node is alive").isTrue();
            soft.assertAll();

            Reliability.record("Abuse limits", CONNECTIONS + " keep-alive HTTP connections from one address, each"
                            + " idle after one request, and a slowloris sending a header byte every 500 ms"
                            + " (--max-http-connections-per-ip 20, --http-idle-timeout 2s, --http-header-timeout 2s)",
                    "admitted " + admitted.size() + ", answered the rest 429 http-connections-per-ip and closed them;"
                            + " closed the idle ones " + idleCloseMin + "-" + idleCloseMax + " ms after their answer"
                            + " and the slowloris " + slowClosedAfter + " ms after its first byte",
                    "health checks and " + ws.ok + " WebSocket upgrades from another address all worked; a"
                            + " subscriber received all " + r.accepted() + " messages posted meanwhile, in order, max"
                            + " latency " + r.maxLatencyMillis() + " ms",
                    "nothing", "IdleHttpConnectionsIT");
        }
    }

    /** The most admitted connections open at one moment: each is open from its answer to its close. */
    private static int maxOverlap(List<Conn> admitted) {
        int max = 0;
        for (Conn c : admitted) {
            long t = c.answeredNanos;
            int open = 0;
            for (Conn d : admitted) {
                if (d.answeredNanos <= t && (d.closedNanos == 0 || d.closedNanos > t)) {
                    open++;
                }
            }
            max = Math.max(max, open);
        }
        return max;
    }

    private static Thread daemon(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** Every 250 ms from 127.0.0.2: upgrade, CONNECT, CONNECTED, DISCONNECT; each must take under 2 s. */
    private static final class WebSocketChecks {
        final Thread thread;
        volatile int ok;
        volatile int failed;
        volatile long slowestMillis;
        volatile String firstFailure = "none";

        WebSocketChecks(int port, AtomicBoolean stop) {
            thread = new Thread(() -> {
                for (int i = 0; i < 400 && !stop.get(); i++) {
                    long t0 = System.nanoTime();
                    try (RawWebSocket ws = RawWebSocket.connect(port, RawWebSocket.Options.DEFAULT.from(OTHERS),
                            Duration.ofSeconds(2))) {
                        ws.stompConnect("probe-" + i);
                        ws.send(RawWebSocket.text("DISCONNECT\n\n\0"));
                        long took = (System.nanoTime() - t0) / 1_000_000;
                        slowestMillis = Math.max(slowestMillis, took);
                        if (took <= 2000) {
                            ok++;
                        } else {
                            fail("took " + took + " ms");
                        }
                    } catch (IOException e) {
                        fail(e.toString());
                    }
                    long left = 250 - (System.nanoTime() - t0) / 1_000_000;
                    if (left > 0) {
                        try {
                            Thread.sleep(left); // the checks' cadence
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                }
            }, "ws-checks");
            thread.setDaemon(true);
        }

        private void fail(String why) {
            if (failed++ == 0) {
                firstFailure = why;
            }
        }
    }
}
