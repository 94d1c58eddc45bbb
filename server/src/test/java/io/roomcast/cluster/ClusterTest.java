package io.roomcast.cluster;

import io.roomcast.bus.Bus;
import io.roomcast.bus.BusListener;
import io.roomcast.bus.Envelope;
import io.roomcast.bus.Position;
import io.roomcast.bus.Published;
import io.roomcast.room.Presence;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Presence replication between two nodes' Cluster objects, wired through a bus that hands messages across. */
class ClusterTest {

    /**
     * A bus that delivers every publish to the other node's cluster, in order, on its own thread as a real bus
     * does ({@link BusListener} is called from the bus's threads). Delivering inside {@code publish} instead
     * deadlocked: each node publishes under its presence lock, and the peer's delivery takes the peer's.
     */
    static final class Wire implements Bus {
        private final ExecutorService delivery = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "wire");
            t.setDaemon(true);
            return t;
        });
        volatile Cluster peer;
        long offset;
        /** Messages of these types are lost on the way. */
        final Set<String> dropping = ConcurrentHashMap.newKeySet();
        final List<Envelope> sent = new CopyOnWriteArrayList<>();

        @Override
        public void start(BusListener listener) {
        }

        @Override
        public synchronized CompletableFuture<Position> publish(Envelope envelope) {
            Position p = new Position("e", 0, offset++);
            sent.add(envelope);
            Cluster to = peer;
            if (to != null && !dropping.contains(envelope.event())) {
                Published published = new Published(p, envelope, System.currentTimeMillis());
                delivery.execute(() -> to.onControl(published));
            }
            return CompletableFuture.completedFuture(p);
        }

        @Override
        public String name() {
            return "wire";
        }

        @Override
        public void close() {
        }
    }

    @Test
    void presenceReplicatesAndADeadNodesUsersLeaveLocally() {
        Presence presenceA = new Presence();
        Presence presenceB = new Presence();
        Wire fromA = new Wire();
        Wire fromB = new Wire();
        List<Presence.RoomUser> leftOnB = new CopyOnWriteArrayList<>();
        Cluster a = new Cluster(fromA, presenceA, "a", "v", () -> 1, Duration.ofMillis(100), Duration.ofMillis(500),
                ru -> { }, user -> { });
        Cluster b = new Cluster(fromB, presenceB, "b", "v", () -> 2, Duration.ofMillis(100), Duration.ofMillis(500),
                leftOnB::add, user -> { });
        fromA.peer = b;
        fromB.peer = a;

        // A delta before any heartbeat: b learns of node a from it.
        presenceA.join("lobby", "alice", "a");
        a.announce("lobby", "alice", 1);
        await().atMost(Duration.ofSeconds(5)).until(() -> presenceB.contains("lobby", "alice"));
        assertThat(b.nodes()).extracting(Cluster.NodeInfo::node).containsExactly("b", "a");

        // a never sends a heartbeat (it was never started): it is declared dead, and b's subscribers hear alice leave.
        b.start();
        await().atMost(Duration.ofSeconds(5)).until(() -> !leftOnB.isEmpty());
        assertThat(leftOnB).containsExactly(new Presence.RoomUser("lobby", "alice"));
        assertThat(presenceB.contains("lobby", "alice")).isFalse();
        b.close();
    }

    @Test
    void heartbeatsCarryTheWholePictureToALateNode() {
        Presence presenceA = new Presence();
        Presence presenceB = new Presence();
        Wire fromA = new Wire();
        Cluster a = new Cluster(fromA, presenceA, "a", "v", () -> 3, Duration.ofMillis(50), Duration.ofSeconds(5),
                ru -> { }, user -> { });
        presenceA.join("r1", "u1", "a");
        presenceA.join("r1", "u1", "a");
        presenceA.join("r2", "u2", "a");
        Cluster late = new Cluster(new Wire(), presenceB, "late", "v", () -> 0, Duration.ofSeconds(1),
                Duration.ofSeconds(5), ru -> { }, user -> { });
        fromA.peer = late;
        a.start();
        await().atMost(Duration.ofSeconds(5)).until(() -> presenceB.contains("r2", "u2"));
        assertThat(presenceB.members("r1")).containsExactly(new Presence.Member("u1", 2, List.of("a")));
        assertThat(late.nodes()).extracting(Cluster.NodeInfo::connections).containsExactly(0, 3);
        a.close();
        late.close();
    }

    @Test
    void heartbeatsStayTheSameSizeWhateverTheNumberOfUsers() {
        Presence presenceA = new Presence();
        Wire fromA = new Wire();
        Cluster a = new Cluster(fromA, presenceA, "a", "v", () -> 1, Duration.ofMillis(20), Duration.ofSeconds(5),
                ru -> { }, user -> { });
        for (int i = 0; i < 2000; i++) {
            presenceA.join("room-" + (i % 200), "user-" + i, "a");
        }
        a.start();
        await().atMost(Duration.ofSeconds(5)).until(() -> fromA.sent.stream()
                .filter(e -> e.event().equals(ControlMessage.HEARTBEAT)).count() >= 3);
        a.close();
        List<Envelope> snapshots = fromA.sent.stream().filter(e -> e.event().equals(ControlMessage.SNAPSHOT)).toList();
        assertThat(snapshots).as("one snapshot, at start; nobody asked for another").hasSize(1);
        assertThat(snapshots.get(0).body().length).isGreaterThan(20_000);
        fromA.sent.stream().filter(e -> e.event().equals(ControlMessage.HEARTBEAT)).forEach(heartbeat ->
                assertThat(new String(heartbeat.body(), StandardCharsets.UTF_8)).hasSizeLessThan(200)
                        .doesNotContain("user-"));
    }

    @Test
    void aNodeThatMissedTheStartAsksForTheSnapshot() {
        Presence presenceA = new Presence();
        Presence presenceB = new Presence();
        Wire fromA = new Wire();
        Wire fromB = new Wire();
        Cluster a = new Cluster(fromA, presenceA, "a", "v", () -> 1, Duration.ofMillis(50), Duration.ofSeconds(5),
                ru -> { }, user -> { });
        Cluster b = new Cluster(fromB, presenceB, "b", "v", () -> 1, Duration.ofMillis(50), Duration.ofSeconds(5),
                ru -> { }, user -> { });
        presenceA.join("r", "early", "a");
        a.start();
        await().atMost(Duration.ofSeconds(5)).until(() -> fromA.sent.size() >= 2); // the snapshot went nowhere
        fromA.peer = b;
        fromB.peer = a;
        await().atMost(Duration.ofSeconds(5)).until(() -> presenceB.contains("r", "early"));
        assertThat(fromB.sent).extracting(Envelope::event).contains(ControlMessage.SYNC);
        a.close();
        b.close();
    }

    @Test
    void aLostChangeIsRepairedBySnapshot() {
        Presence presenceA = new Presence();
        Presence presenceB = new Presence();
        Wire fromA = new Wire();
        Wire fromB = new Wire();
        Cluster a = new Cluster(fromA, presenceA, "a", "v", () -> 1, Duration.ofMillis(50), Duration.ofSeconds(5),
                ru -> { }, user -> { });
        Cluster b = new Cluster(fromB, presenceB, "b", "v", () -> 1, Duration.ofMillis(50), Duration.ofSeconds(5),
                ru -> { }, user -> { });
        fromA.peer = b;
        fromB.peer = a;
        a.start();
        await().atMost(Duration.ofSeconds(5)).until(() -> fromA.sent.stream()
                .anyMatch(e -> e.event().equals(ControlMessage.HEARTBEAT)));
        fromA.dropping.add(ControlMessage.DELTA);
        synchronized (presenceA) {
            presenceA.join("r", "lost", "a");
            a.announce("r", "lost", 1);
        }
        fromA.dropping.clear();
        assertThat(presenceB.contains("r", "lost")).isFalse();
        // The next heartbeat counts one change more than b holds: b asks, and a's snapshot brings it.
        await().atMost(Duration.ofSeconds(5)).until(() -> presenceB.contains("r", "lost"));
        synchronized (presenceA) {
            presenceA.leave("r", "lost", "a");
            a.announce("r", "lost", -1);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> !presenceB.contains("r", "lost"));
        a.close();
        b.close();
    }
}
