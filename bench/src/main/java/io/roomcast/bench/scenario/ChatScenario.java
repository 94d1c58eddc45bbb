package io.roomcast.bench.scenario;

import io.roomcast.bench.load.BenchClient;
import io.roomcast.bench.load.ClientListener;
import io.roomcast.bench.load.Frames;
import io.roomcast.bench.load.Progress;
import org.HdrHistogram.Histogram;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Many rooms of a few users each, everyone posting now and then, with whispers mixed in: the everyday load of
 * a chat or voice-room app. A room post makes one delivery per member (the poster included); a whisper makes
 * one.
 */
public final class ChatScenario {
    private static final int PADDING = 48;
    /** Warm-up rounds of {@code warmUp} each at most: a minute at the default 10 s. */
    static final int MAX_WARM_UP_ROUNDS = 6;

    private ChatScenario() {
    }

    /**
     * @param perUserPerSecond how often each user posts: one measured step per rate, in order, on the same
     *                         connections
     * @param whisperShare     the share of posts that are whispers to another member of the room
     * @param warmUp           one round of the load, run unmeasured before the measured steps, as many times as
     *                         it takes the JIT compilers of every process (see {@link JitMeter}) to go quiet:
     *                         they are busy for the first minute under a new load, and their CPU would
     *                         otherwise be counted against the servers and queue up the deliveries
     */
    public static List<Step> run(Rig rig, String name, int rooms, int usersPerRoom, List<Double> perUserPerSecond,
                                 double whisperShare, Duration warmUp, Duration length) throws Exception {
        int users = rooms * usersPerRoom;
        Deliveries deliveries = new Deliveries();
        AtomicLong warm = new AtomicLong();
        ClientListener listener = new ClientListener() {
            @Override
            public void timed(BenchClient client, int step, long sentNanos, long receivedNanos) {
                if (step == 0) {
                    warm.incrementAndGet();
                }
                deliveries.timed(client, step, sentNanos, receivedNanos);
            }
        };
        List<BenchClient> clients;
        try (Progress p = rig.progress(name + ": connect", users)) {
            // Rooms before the user queue: a whisper reaches only sessions already in the room.
            clients = new ArrayList<>(users);
            for (int s = 0; s < rig.servers().size(); s++) {
                int server = s;
                clients.addAll(rig.generator().openMany(rig.server(s), rig.share(users, s), Rig.IN_FLIGHT,
                        i -> login(user(server, i, rig.servers().size())), listener, false, (c, i) -> {
                            int u = user(server, i, rig.servers().size());
                            c.write(Frames.subscribe("room", "/topic/room." + room(u / usersPerRoom), null, null));
                            c.send(Frames.subscribe("me", "/user/queue/messages", null, null));
                        }, p));
            }
        }
        // clients.get(k) is not user k when spread over servers: index them by user number.
        BenchClient[] byUser = new BenchClient[users];
        for (BenchClient c : clients) {
            byUser[Integer.parseInt(c.login().substring(1))] = c;
        }
        try {
            // Warm-up: one post per room, until a round reaches every member.
            boolean ready = false;
            for (int round = 0; round < 30 && !ready; round++) {
                warm.set(0);
                for (int r = 0; r < rooms; r++) {
                    byUser[r * usersPerRoom].send(post(r, 0));
                }
                ready = Rig.await(() -> warm.get() >= users, Duration.ofSeconds(1));
            }
            if (!ready) {
                throw new IllegalStateException(rig.target() + ": chat rooms not all live within 30 s");
            }
            Rig.await(() -> false, Duration.ofMillis(500));
            deliveries.interval();

            SplittableRandom random = new SplittableRandom(42);
            if (!warmUp.isZero()) {
                // At the first (lowest) rate, round after round until no process's JIT is busy any more (or
                // MAX_WARM_UP_ROUNDS). Not at the highest: two nodes, a broker and the generator at 1k msg/s
                // leave a 2-core machine no CPU for the one C2 thread each JVM gets, the nodes kept running
                // profiled C1 code, and after a minute their JIT was still busy and the step's p99 was 240 ms.
                double rate = users * perUserPerSecond.get(0);
                JitMeter jit = rig.jitMeter();
                for (int round = 1; ; round++) {
                    try (Progress p = rig.progress(name + ": warm-up " + round,
                            (long) (rate * warmUp.toSeconds()))) {
                        Publisher.run(rate, warmUp, n -> {
                            post(byUser, users, usersPerRoom, whisperShare, random, 0, new long[1]);
                            p.add(1);
                        });
                    }
                    double share = jit.busiestShare();
                    rig.out().printf("  %s %s: warm-up round %d, busiest JIT %.0f %% of a core%n", rig.target(),
                            name, round, share * 100);
                    if (share < JitMeter.WARM || round >= MAX_WARM_UP_ROUNDS) {
                        break;
                    }
                }
                Rig.await(() -> false, Duration.ofSeconds(1)); // the warm-up's last deliveries land
                deliveries.interval();
            }
            List<Step> steps = new ArrayList<>();
            for (int i = 0; i < perUserPerSecond.size(); i++) {
                int step = i + 1;
                double rate = users * perUserPerSecond.get(i);
                long[] expected = {0};
                long cpu0 = rig.cpuNanos();
                long start = System.nanoTime();
                Publisher.run(rate, length, n -> post(byUser, users, usersPerRoom, whisperShare, random, step,
                        expected));
                double seconds = (System.nanoTime() - start) / 1e9;
                Rig.await(() -> deliveries.delivered(step) >= expected[0], Duration.ofSeconds(5));
                long cpu = rig.cpuNanos() - cpu0;
                long delivered = deliveries.delivered(step);
                Histogram h = deliveries.interval();
                Step s = Step.of(rig.target(), name, rate, expected[0], delivered, seconds, h,
                        delivered == 0 ? null : cpu / 1e3 / delivered);
                rig.out().println("  " + s.line());
                steps.add(s);
            }
            return steps;
        } finally {
            Rig.closeAll(clients);
        }
    }

    /** One random user posts to their room, or whispers to another member; adds the deliveries it makes. */
    private static void post(BenchClient[] byUser, int users, int usersPerRoom, double whisperShare,
                             SplittableRandom random, int step, long[] expected) {
        int u = random.nextInt(users);
        int r = u / usersPerRoom;
        if (random.nextDouble() < whisperShare) {
            int to = r * usersPerRoom + (u % usersPerRoom + 1 + random.nextInt(usersPerRoom - 1)) % usersPerRoom;
            byUser[u].send(Frames.timedSend("/app/whisper", "room:" + room(r) + "\nto:" + login(to) + "\n",
                    step, PADDING));
            expected[0]++;
        } else {
            byUser[u].send(post(r, step));
            expected[0] += usersPerRoom;
        }
    }

    /** Users are numbered across servers: server s holds users s, s + n, s + 2n, ... */
    private static int user(int server, int i, int servers) {
        return i * servers + server;
    }

    private static String login(int user) {
        return "u" + user;
    }

    private static String room(int r) {
        return "chat-" + r;
    }

    private static String post(int room, int step) {
        return Frames.timedSend("/app/room." + room(room), "", step, PADDING);
    }
}
