package io.roomcast.limits;

import io.roomcast.bus.Stream;
import io.roomcast.testing.BenignSubscriber;
import io.roomcast.testing.RawStomp;
import io.roomcast.testing.Reliability;
import io.roomcast.testing.SpringStomp;
import io.roomcast.testing.SpringStomp.Received;
import io.roomcast.testing.TestNode;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;
import java.util.function.ToLongFunction;

import static io.roomcast.testing.RawStomp.body;
import static io.roomcast.testing.RawStomp.header;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A limit on every client command, each triggered while a bystander on the same node keeps getting every
 * message of its own room, once, in order, within a second ({@link BenignSubscriber}, a real STOMP client fed
 * by a backend every 100 ms). Each abuse is repeated in rounds until the bystander has published at least 15
 * times beside it, so that its figures cover the abuse rather than the quiet after it.
 */
class CommandLimitsTest {
    private static final Duration MAX_LATENCY = Duration.ofSeconds(1);
    static TestNode node;

    @BeforeAll
    static void start() {
        node = TestNode.start(s -> {
            s.maxSubscribeRate = 10;
            s.maxSubscribeBurst = 20;
            s.maxPresenceRate = 2;
            s.maxPresenceBurst = 5;
            s.maxReceiptRate = 10;
            s.maxReceiptBurst = 20;
            s.maxUserSendRate = 5;
            s.maxUserSendBurst = 10;
            s.maxRoomPostRate = 5;
            s.maxRoomPostBurst = 10;
            s.maxRefusalRate = 1;
            s.maxRefusalBurst = 10;
            s.maxConnectRatePerIp = 0; // the abusers reconnect from 127.0.0.1 round after round
        });
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    /** What a connection got before its ERROR: the refusals, and the answers that were not refusals. */
    record Flooded(int refused, int answered, String firstRefusal, String error, long closedAfterMillis) {
    }

    // ---- per connection: subscribe, presence, receipts, and the refusal budget ----

    @Test
    void aSubscribeFloodIsRefusedAsRateLimitedAndTheFlooderIsClosedByItsRefusals() {
        double triggered = limit("subscribe-rate");
        double closed = limit("refusals");
        List<Flooded> rounds = new ArrayList<>();
        BenignSubscriber.Report benign = beside(node, "calm-subscribe", round -> {
            double closesBefore = limit("refusals");
            try (RawStomp flooder = listening(RawStomp.connect(node, "churner"))) {
                long start = System.nanoTime();
                for (int i = 0; i < 200 && flooder.trySend("SUBSCRIBE\nid:s" + i
                        + "\ndestination:/topic/room.churn\n\n\0") && flooder.trySend("UNSUBSCRIBE\nid:s" + i
                        + "\n\n\0"); i++) {
                    // as fast as the socket takes them
                }
                Flooded f = untilClosed(flooder, start, "none");
                assertThat(header(f.firstRefusal(), "error")).isEqualTo("rate-limited");
                assertThat(body(f.firstRefusal())).contains("--max-subscribe-rate");
                assertClosedByTheRefusalBudget(node, f, 10, closesBefore);
                rounds.add(f);
            }
        });
        assertThat(limit("subscribe-rate")).isGreaterThan(triggered);
        assertThat(limit("refusals") - closed).as("flooders closed by the refusal budget").isEqualTo(rounds.size());
        Reliability.record("Abuse limits", "SUBSCRIBE/UNSUBSCRIBE as fast as the socket takes them"
                + " (--max-subscribe-rate 10, burst 20)", rounds.size() + " flooders, each refused " + range(rounds,
                Flooded::refused) + " times with error:rate-limited, then closed by the refusal budget"
                + " (--max-refusal-burst 10) after " + range(rounds, Flooded::closedAfterMillis) + " ms"
                + closes(rounds), "a bystander on the node: " + benign.describe(), "only the refused frames",
                "CommandLimitsTest");
    }

    @Test
    void aPresenceFloodIsAnsweredUpToItsBurstThenRefusedAndClosed() {
        double triggered = limit("presence-rate");
        List<Flooded> rounds = new ArrayList<>();
        BenignSubscriber.Report benign = beside(node, "calm-presence", round -> {
            double closesBefore = limit("refusals");
            try (RawStomp asker = listening(RawStomp.connect(node, "asker"))) {
                asker.send("SUBSCRIBE\nid:crowd\ndestination:/topic/room.crowd\nreceipt:in\n\n\0");
                assertThat(asker.answer("in")).startsWith("RECEIPT\n");
                long start = System.nanoTime();
                for (int i = 0; i < 200 && asker.trySend("SUBSCRIBE\nid:who" + i
                        + "\ndestination:/app/presence.crowd\n\n\0"); i++) {
                    // as fast as the socket takes them
                }
                Flooded f = untilClosed(asker, start, "presence");
                assertThat(f.answered()).as("presence answers").isBetween(5, 5 + 2 * seconds(f) + 1);
                assertThat(body(f.firstRefusal())).contains("--max-presence-rate");
                assertClosedByTheRefusalBudget(node, f, 10, closesBefore);
                rounds.add(f);
            }
        });
        assertThat(limit("presence-rate")).isGreaterThan(triggered);
        Reliability.record("Abuse limits", "presence queries as fast as the socket takes them (--max-presence-rate"
                + " 2, burst 5)", "answered " + range(rounds, Flooded::answered) + " per connection, refused the"
                + " rest with error:rate-limited, closed each of " + rounds.size() + " askers after "
                + range(rounds, Flooded::closedAfterMillis) + " ms (refusal budget)" + closes(rounds),
                "a bystander on the node: " + benign.describe(), "only the refused queries", "CommandLimitsTest");
    }

    @Test
    void aReceiptFloodIsAnsweredUpToItsBurstThenRefusedAndClosed() {
        double triggered = limit("receipt-rate");
        List<Flooded> rounds = new ArrayList<>();
        BenignSubscriber.Report benign = beside(node, "calm-receipts", round -> {
            double closesBefore = limit("refusals");
            try (RawStomp acker = listening(RawStomp.connect(node, "acker"))) {
                long start = System.nanoTime();
                for (int i = 0; i < 200 && acker.trySend((i % 2 == 0 ? "ACK" : "NACK") + "\nid:m" + i + "\nreceipt:a"
                        + i + "\n\n\0"); i++) {
                    // as fast as the socket takes them
                }
                Flooded f = untilClosed(acker, start, "RECEIPT");
                assertThat(f.answered()).as("receipts").isBetween(20, 20 + 10 * seconds(f) + 1);
                assertThat(body(f.firstRefusal())).contains("--max-receipt-rate");
                assertClosedByTheRefusalBudget(node, f, 10, closesBefore);
                rounds.add(f);
            }
        });
        assertThat(limit("receipt-rate")).isGreaterThan(triggered);
        Reliability.record("Abuse limits", "ACK/NACK frames asking for receipts as fast as the socket takes them"
                + " (--max-receipt-rate 10, burst 20)", "answered " + range(rounds, Flooded::answered)
                + " receipts per connection, refused the rest with error:rate-limited, closed each of "
                + rounds.size() + " flooders after " + range(rounds, Flooded::closedAfterMillis)
                + " ms (refusal budget)" + closes(rounds), "a bystander on the node: " + benign.describe(),
                "only the refused frames", "CommandLimitsTest");
    }

    // ---- per user and per room, over connections ----

    @Test
    void aUsersSendsAreLimitedOverAllTheirConnections() {
        double triggered = limit("user-send-rate");
        List<int[]> rounds = new ArrayList<>(); // accepted, refused, millis
        BenignSubscriber.Report benign = beside(node, "calm-user", round -> {
            String user = "chorus-" + round;
            List<RawStomp> voices = new ArrayList<>();
            try {
                for (int c = 0; c < 3; c++) {
                    voices.add(joined(RawStomp.connect(node, user), "choir-" + round + "-" + c));
                }
                long start = System.nanoTime();
                for (int c = 0; c < 3; c++) {
                    for (int i = 0; i < 6; i++) { // 6 each: within a connection's own limit and a room's
                        voices.get(c).send("SEND\ndestination:/app/room.choir-" + round + "-" + c + "\nreceipt:p" + i
                                + "\n\nla\0");
                    }
                }
                int[] r = answers(voices, 6, "--max-user-send-rate", start);
                assertThat(r[0]).as("accepted of 18").isBetween(10, 10 + 5 * (r[2] / 1000 + 1));
                assertThat(voices).noneMatch(RawStomp::isClosed);
                rounds.add(r);
            } finally {
                voices.forEach(RawStomp::close);
            }
            // The limit is that user's: another user sends at once.
            try (RawStomp other = joined(RawStomp.connect(node, "soloist-" + round), "solo-" + round)) {
                other.send("SEND\ndestination:/app/room.solo-" + round + "\nreceipt:solo\n\nla\0");
                assertThat(other.answer("solo")).startsWith("RECEIPT\n");
            }
        });
        assertThat(limit("user-send-rate")).isGreaterThan(triggered);
        Reliability.record("Abuse limits", "one user sending 18 posts at once over 3 connections, 6 each"
                + " (--max-user-send-rate 5, burst 10)", "accepted " + range(rounds, r -> r[0]) + ", refused "
                + range(rounds, r -> r[1]) + " with error:rate-limited naming --max-user-send-rate, over "
                + rounds.size() + " rounds; the connections stay open and another user sends at once",
                "a bystander on the node: " + benign.describe(), "only the refused posts, each answered as refused",
                "CommandLimitsTest");
    }

    @Test
    void aRoomsPostsAreLimitedOverAllItsMembers() {
        double triggered = limit("room-post-rate");
        List<int[]> rounds = new ArrayList<>();
        BenignSubscriber.Report benign = beside(node, "calm-room", round -> {
            String room = "square-" + round;
            List<RawStomp> criers = new ArrayList<>();
            try {
                for (int u = 0; u < 3; u++) {
                    criers.add(joined(RawStomp.connect(node, "crier-" + round + "-" + u), room));
                }
                long start = System.nanoTime();
                for (RawStomp crier : criers) {
                    for (int i = 0; i < 6; i++) { // 6 each: within a user's own limit
                        crier.send("SEND\ndestination:/app/room." + room + "\nreceipt:p" + i + "\n\nhear ye\0");
                    }
                }
                int[] r = answers(criers, 6, "--max-room-post-rate", start);
                assertThat(r[0]).as("accepted of 18").isBetween(10, 10 + 5 * (r[2] / 1000 + 1));
                // The limit is that room's: the same users post to another room at once.
                RawStomp first = joined(criers.get(0), "lane-" + round);
                first.send("SEND\ndestination:/app/room.lane-" + round + "\nreceipt:lane\n\nhear ye\0");
                assertThat(first.answer("lane")).startsWith("RECEIPT\n");
                rounds.add(r);
            } finally {
                criers.forEach(RawStomp::close);
            }
        });
        assertThat(limit("room-post-rate")).isGreaterThan(triggered);
        Reliability.record("Abuse limits", "3 users posting 18 messages at once into one room, 6 each"
                + " (--max-room-post-rate 5, burst 10)", "accepted " + range(rounds, r -> r[0]) + ", refused "
                + range(rounds, r -> r[1]) + " with error:rate-limited naming --max-room-post-rate, over "
                + rounds.size() + " rounds; the same users post to another room at once", "a bystander on the"
                + " node: " + benign.describe(), "only the refused posts, each answered as refused",
                "CommandLimitsTest");
    }

    // ---- one subscription per destination ----

    @Test
    void aSecondSubscriptionToTheSameDestinationIsRefusedAndMessagesArriveOnce() {
        int[] rounds = new int[1];
        BenignSubscriber.Report benign = beside(node, "calm-twice", round -> {
            String room = "twice-" + round;
            try (RawStomp twin = joined(listening(RawStomp.connect(node, "twin-" + round)), room)) {
                twin.send("SUBSCRIBE\nid:again\ndestination:/topic/room." + room + "\nreceipt:again\n\n\0");
                String refused = twin.answer("again");
                assertThat(header(refused, "error")).as(refused).isEqualTo("duplicate-destination");
                assertThat(body(refused)).contains("subscription '" + room + "'");
                twin.send("SUBSCRIBE\nid:alias\ndestination:/user/queue/sendUser\nreceipt:alias\n\n\0");
                assertThat(header(twin.answer("alias"), "error")).as("an alias is the same destination")
                        .isEqualTo("duplicate-destination");

                node.publish(room, "once");
                node.publish(room, "fence");
                assertThat(body(twin.nextContent())).isEqualTo("once");
                assertThat(body(twin.nextContent())).as("no second copy before the fence").isEqualTo("fence");
                rounds[0]++;
            }
        });
        Reliability.record("Abuse limits", "a second SUBSCRIBE to a room the connection subscribes to, and"
                + " /user/queue/sendUser beside /user/queue/messages", "refused each with"
                + " error:duplicate-destination naming the subscription that has it (" + rounds[0] + " rounds); each"
                + " message arrives once", "a bystander on the node: " + benign.describe(), "nothing",
                "CommandLimitsTest");
    }

    // ---- the refusal budget closes a client whatever its pace ----

    /**
     * 190 SENDs a second against a 20 a second rate: every tenth SEND or so finds a token, so the refusals never
     * run 50 in a row, which is all the rule before the refusal budget closed on.
     */
    @Test
    void aClientSending190ASecondAgainstA20ASecondRateIsClosed() {
        try (TestNode defaults = TestNode.start(s -> s.maxConnectRatePerIp = 0)) { // --max-send-rate 20, burst 50
            List<Flooded> rounds = new ArrayList<>();
            List<Integer> sent = new ArrayList<>();
            BenignSubscriber.Report benign = beside(defaults, "calm-steady", round -> {
                String room = "steady-" + round;
                double closesBefore = limit(defaults, "refusals");
                try (RawStomp steady = joined(listening(RawStomp.connect(defaults, "steady-" + round)), room)) {
                    long start = System.nanoTime();
                    long period = TimeUnit.SECONDS.toNanos(1) / 190;
                    int n = 0;
                    for (; n < 190 * 10; n++) {
                        LockSupport.parkNanos(start + n * period - System.nanoTime()); // the pace, not a wait
                        if (!steady.trySend("SEND\ndestination:/app/room." + room + "\n\nsteady " + n + "\0")) {
                            break;
                        }
                    }
                    assertThat(n).as("SENDs before the close (10 s of them at most)").isLessThan(190 * 10);
                    Flooded f = untilClosed(steady, start, "message");
                    assertThat(body(f.firstRefusal())).contains("--max-send-rate");
                    assertClosedByTheRefusalBudget(defaults, f, 50, closesBefore);
                    rounds.add(f);
                    sent.add(n);
                }
            });
            Reliability.record("Abuse limits", "a client sending 190 SENDs a second, evenly paced, against"
                    + " --max-send-rate 20 (burst 50; the old rule closed only after 50 refusals in a row, which"
                    + " this pace never makes)", "published " + range(rounds, Flooded::answered) + " of them,"
                    + " refused " + range(rounds, Flooded::refused) + ", then closed it by the refusal budget"
                    + " (--max-refusal-burst 50, rate 5) after " + range(rounds, Flooded::closedAfterMillis)
                    + " ms and " + range(sent, Integer::longValue) + " SENDs, " + rounds.size()
                    + " rounds" + closes(rounds), "a bystander on the node: " + benign.describe(),
                    "only the refused SENDs", "CommandLimitsTest");
        }
    }

    // ---- joins and leaves and the resume window ----

    @Test
    void aJoinAndLeaveFloodDoesNotPushAnotherRoomOfItsPartitionOutOfTheResumeWindow() {
        int partitions = 4;
        int window = 20;
        try (TestNode small = TestNode.start(s -> {
            s.partitions = partitions;
            s.historyMaxMessages = window;
            s.maxSubscribeRate = 50;
            s.maxSubscribeBurst = 100; // the flood is within each connection's limits
        })) {
            String steadyRoom = roomInThePartitionOf("churn", partitions);
            String since;
            try (SpringStomp steady = SpringStomp.connect(small, "steady")) {
                steady.subscribe("room", "/topic/room." + steadyRoom);
                small.publish(steadyRoom, "before");
                since = steady.nextEvent("room", "message").header("position");
            }
            for (int i = 0; i < 5; i++) {
                small.publish(steadyRoom, "missed-" + i);
            }

            int churners = 5;
            int cycles = 40;
            List<RawStomp> flood = new ArrayList<>();
            try {
                for (int k = 0; k < churners; k++) {
                    flood.add(listening(RawStomp.connect(small, "churner-" + k)));
                }
                for (int i = 0; i < cycles; i++) {
                    for (RawStomp c : flood) {
                        c.send("SUBSCRIBE\nid:c" + i + "\ndestination:/topic/room.churn\n\n\0");
                        c.send("UNSUBSCRIBE\nid:c" + i + "\n\n\0");
                    }
                }
                for (RawStomp c : flood) { // each connection's frames are handled in order: these come last
                    c.send("SUBSCRIBE\nid:last\ndestination:/topic/room.churn\nreceipt:last\n\n\0");
                    assertThat(c.answer("last")).startsWith("RECEIPT\n");
                }
            } finally {
                flood.forEach(RawStomp::close);
            }
            int events = churners * cycles * 2;

            try (SpringStomp back = SpringStomp.connect(small, "steady")) {
                back.subscribe("room", "/topic/room." + steadyRoom, since);
                Received recovery = back.next("room");
                assertThat(recovery.event()).isEqualTo("recovery");
                assertThat(recovery.header("recovered")).isEqualTo("true");
                for (int i = 0; i < 5; i++) {
                    assertThat(back.nextEvent("room", "message").body()).isEqualTo("missed-" + i);
                }
                small.publish(steadyRoom, "live");
                assertThat(back.nextEvent("room", "message").body()).as("nothing else, then live").isEqualTo("live");
            }
            // They were not dropped either: they leave the window with age and bytes, as the other messages do.
            assertThat(small.metric("roomcast_history_messages")).as("messages in the window")
                    .isGreaterThan(events);
            Reliability.record("Abuse limits", churners + " connections joining and leaving one room " + cycles
                    + " times each (" + events + " join/leave events in a partition whose window holds "
                    + window + " messages, --history-max-messages)", "kept the events in the window without"
                    + " counting them toward its count bound", "a client resuming another room of the same"
                    + " partition from before the flood got recovered:true and all 5 messages it missed, in order",
                    "nothing", "CommandLimitsTest");
        }
    }

    // ---- helpers ----

    /**
     * Runs {@code round} (given its number) until the bystander in {@code room} has published 15 times beside
     * it, at most 200 rounds or 30 s; then fences the bystander and checks its promises.
     */
    private static BenignSubscriber.Report beside(TestNode on, String room, IntConsumer round) {
        try (BenignSubscriber benign = BenignSubscriber.start(on, room)) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            int rounds = 0;
            do {
                round.accept(rounds++);
            } while (benign.attempted() < 15 && rounds < 200 && System.nanoTime() < deadline);
            benign.fence(Duration.ofSeconds(5));
            BenignSubscriber.Report report = benign.report();
            SoftAssertions soft = new SoftAssertions();
            BenignSubscriber.check(soft, report, MAX_LATENCY);
            soft.assertAll();
            return report;
        }
    }

    /**
     * Reads what {@code c} got until its ERROR and its close. A flooder whose frames are still arriving when the
     * node closes may get a reset instead, which discards what it had not read yet, the ERROR included.
     *
     * @param answer what counts as an answer: a MESSAGE event, or a command such as RECEIPT
     */
    private static Flooded untilClosed(RawStomp c, long startNanos, String answer) {
        int refused = 0;
        int answered = 0;
        String first = null;
        String error = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (int i = 0; i < 10_000 && error == null && System.nanoTime() < deadline; i++) {
            String f = c.poll(Duration.ofMillis(100));
            if (f == null) {
                if (c.isClosed() && (f = c.poll()) == null) {
                    break;
                }
                continue;
            }
            if (f.startsWith("ERROR\n")) {
                error = body(f);
            } else if (f.startsWith("MESSAGE\n") && "error".equals(header(f, "event"))) {
                refused++;
                first = first == null ? f : first;
            } else if (f.startsWith(answer + "\n") || answer.equals(header(f, "event"))) {
                answered++;
            }
        }
        long millis = (System.nanoTime() - startNanos) / 1_000_000;
        int code = c.awaitClose();
        assertThat(first).as("refusals before the close").isNotNull();
        assertThat(code).as("closed with 1008 after its ERROR, or reset before it (ERROR: %s)", error)
                .isEqualTo(error != null ? 1008 : -1);
        return new Flooded(refused, answered, first, error, millis);
    }

    /**
     * Reads the answers to receipts {@code p0}..{@code p<n-1>} on each connection, in whatever order they come
     * (a refusal is written at once, a receipt once the bus has the message).
     *
     * @return accepted, refused (each naming {@code setting}), and the milliseconds since {@code startNanos}
     */
    private static int[] answers(List<RawStomp> connections, int n, String setting, long startNanos) {
        int accepted = 0;
        int refused = 0;
        for (RawStomp c : connections) {
            for (int got = 0, frames = 0; got < n; frames++) {
                assertThat(frames).as("frames read for %d answers", n).isLessThan(1000);
                String f = c.next();
                String receipt = header(f, "receipt-id");
                if (receipt == null || !receipt.startsWith("p")) {
                    continue;
                }
                got++;
                if (f.startsWith("RECEIPT\n")) {
                    accepted++;
                } else {
                    assertThat(header(f, "error")).as(f).isEqualTo("rate-limited");
                    assertThat(body(f)).contains(setting);
                    refused++;
                }
            }
        }
        return new int[] {accepted, refused, (int) ((System.nanoTime() - startNanos) / 1_000_000)};
    }

    private static RawStomp listening(RawStomp c) {
        c.send("SUBSCRIBE\nid:errors\ndestination:/user/queue/errors\n\n\0");
        c.send("SUBSCRIBE\nid:mine\ndestination:/user/queue/messages\n\n\0");
        return c;
    }

    /** Joins {@code room} (subscription id: the room) and waits for the receipt. */
    private static RawStomp joined(RawStomp c, String room) {
        c.send("SUBSCRIBE\nid:" + room + "\ndestination:/topic/room." + room + "\nreceipt:join-" + room + "\n\n\0");
        assertThat(c.answer("join-" + room)).startsWith("RECEIPT\n");
        return c;
    }

    /** A room other than {@code room} whose stream has the same partition. */
    private static String roomInThePartitionOf(String room, int partitions) {
        int p = Stream.room(room).partition(partitions);
        for (int i = 0; i < 1000; i++) {
            if (Stream.room("steady-" + i).partition(partitions) == p) {
                return "steady-" + i;
            }
        }
        throw new AssertionError("no room in partition " + p);
    }

    private static double limit(String name) {
        return limit(node, name);
    }

    private static double limit(TestNode on, String name) {
        return on.metric("roomcast_limits_triggered_total", "limit=\"" + name + "\"");
    }

    /**
     * The node closed the flooder for its refusals: its ERROR says so when it arrived, and the node counts each
     * such close once ({@code roomcast_limits_triggered_total{limit="refusals"}}, {@code reason="limit"}).
     */
    private static void assertClosedByTheRefusalBudget(TestNode on, Flooded f, int burst, double closesBefore) {
        if (f.error() != null) {
            assertThat(f.error()).contains("more than " + burst + " requests refused").contains("--max-refusal-rate");
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> limit(on, "refusals") >= closesBefore + 1);
        assertThat(limit(on, "refusals")).as("closes by the refusal budget").isEqualTo(closesBefore + 1);
    }

    /** How the closes reached the flooders: ERROR and 1008, or a reset that discarded both. */
    private static String closes(List<Flooded> rounds) {
        long errors = rounds.stream().filter(f -> f.error() != null).count();
        return errors == rounds.size() ? ", each with ERROR and 1008" : " (ERROR and 1008 in " + errors + " of "
                + rounds.size() + " rounds; in the others the flood still arriving made the close a TCP reset, which"
                + " discards what the client had not read)";
    }

    private static int seconds(Flooded f) {
        return (int) (f.closedAfterMillis() / 1000 + 1);
    }

    private static <T> String range(List<T> rounds, ToLongFunction<T> figure) {
        long min = rounds.stream().mapToLong(figure).min().orElse(0);
        long max = rounds.stream().mapToLong(figure).max().orElse(0);
        return min == max ? Long.toString(min) : min + " to " + max;
    }
}
