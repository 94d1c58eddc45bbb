package io.roomcast.bus.rocketmq;

import io.roomcast.bus.BusListener;
import io.roomcast.bus.BusUnavailableException;
import io.roomcast.bus.Envelope;
import io.roomcast.bus.MessageTooLargeException;
import io.roomcast.bus.Position;
import io.roomcast.bus.Published;
import io.roomcast.bus.Stream;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.remoting.RPCHook;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;
import org.apache.rocketmq.remoting.protocol.SerializeType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Two buses (two nodes' worth) on one real NameServer and Broker, run as their own process. */
class RocketMqBusTest {
    static LocalBroker broker;
    static Path dir;

    @BeforeAll
    static void startBroker() throws Exception {
        dir = Files.createTempDirectory("roomcast-bus-test");
        broker = LocalBroker.start(LocalBroker.defaultJar(), dir.resolve("broker"), 0, 0, line -> { });
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    /** Records what a node would receive. */
    static final class Recorder implements BusListener {
        final List<Published> messages = new CopyOnWriteArrayList<>();
        final Set<String> threads = ConcurrentHashMap.newKeySet();
        volatile String epoch;
        volatile long[] next;

        @Override
        public void onReady(String epoch, long[] nextOffsets) {
            this.epoch = epoch;
            this.next = nextOffsets;
        }

        @Override
        public void onMessage(Published message) {
            messages.add(message);
            threads.add(Thread.currentThread().getName());
        }
    }

    /** The test's messages, without the warm-up ones. */
    static List<Published> ours(Recorder r) {
        return r.messages.stream().filter(m -> !m.stream().key().equals("room:warmup")).toList();
    }

    static RocketMqBus bus(String topic, String node, int maxMessageSize) {
        return new RocketMqBus(new RocketMqBusConfig(broker.namesrv(), topic, 4, node, dir.resolve(node),
                Duration.ofSeconds(3), maxMessageSize));
    }

    static Envelope roomMessage(String room, String text) {
        return new Envelope(Stream.room(room), Envelope.MESSAGE, "alice", room, null, "text/plain",
                Map.of("x-n", text), text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void everyNodeSeesEveryMessageInOrderWithTheSamePositions() throws Exception {
        Recorder a = new Recorder();
        Recorder b = new Recorder();
        try (RocketMqBus busA = bus("t-order", "node-a", 1 << 20); RocketMqBus busB = bus("t-order", "node-b", 1 << 20)) {
            busA.start(a);
            busB.start(b);
            await().atMost(Duration.ofSeconds(30)).until(() -> busA.isReady() && busB.isReady());
            // Both created the topic at once; their epochs converge through the NameServer.
            await().atMost(Duration.ofSeconds(10)).until(() -> a.epoch != null && a.epoch.equals(b.epoch));
            assertThat(a.next).hasSize(4);
            // The followers' first pulls reach the broker shortly after start; publish only once both receive.
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                busA.publish(roomMessage("warmup", "w")).get();
                return !a.messages.isEmpty() && !b.messages.isEmpty();
            });

            long requestsBefore = busA.publishRequests();
            List<CompletableFuture<Position>> sent = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                sent.add(busA.publish(roomMessage("room" + (i % 5), Integer.toString(i))));
            }
            List<Position> positions = new ArrayList<>();
            for (CompletableFuture<Position> f : sent) {
                positions.add(f.get());
            }
            // What queued up behind a send in flight went out as batches, and still got its own position.
            assertThat(busA.publishRequests() - requestsBefore).isLessThan(200);
            await().atMost(Duration.ofSeconds(30)).until(() -> ours(a).size() >= 200 && ours(b).size() >= 200);
            for (Recorder r : List.of(a, b)) {
                assertThat(ours(r)).extracting(Published::position).containsExactlyInAnyOrderElementsOf(positions);
                for (int room = 0; room < 5; room++) {
                    String key = "room:room" + room;
                    List<Integer> order = r.messages.stream().filter(m -> m.stream().key().equals(key))
                            .map(m -> Integer.parseInt(m.envelope().headers().get("x-n"))).toList();
                    assertThat(order).as("order in %s", key).isSorted().hasSize(40);
                }
            }
            Published first = ours(a).get(0);
            assertThat(first.envelope().from()).isEqualTo("alice");
            // Handed over by the thread that read the broker's answer: no worker group or callback pool between
            // (ClientThreads), and no consume pool (QueueFollower).
            assertThat(a.threads).allMatch(t -> t.startsWith("NettyClientSelector"));
            assertThat(first.envelope().contentType()).isEqualTo("text/plain");
        }
    }

    /**
     * A node that starts while others publish must receive every message from the offsets it announced in
     * {@code onReady}: its history window vouches for them. (RocketMQ's own CONSUME_FROM_LAST_OFFSET starts
     * at the newest offset when the queue is assigned, about a second later, and skipped what came between.)
     */
    @Test
    void aNodeStartingUnderLoadReceivesEverythingFromTheOffsetsItAnnounced() throws Exception {
        Recorder a = new Recorder();
        Recorder late = new Recorder();
        try (RocketMqBus busA = bus("t-late", "node-a", 1 << 20)) {
            busA.start(a);
            await().atMost(Duration.ofSeconds(30)).until(busA::isReady);
            List<Position> sent = new CopyOnWriteArrayList<>();
            var publishing = new AtomicBoolean(true);
            Thread publisher = new Thread(() -> {
                for (int i = 0; i < 20_000 && publishing.get(); i++) { // bounded: about 100 s at most
                    try {
                        sent.add(busA.publish(roomMessage("r" + (i % 8), Integer.toString(i))).get());
                        Thread.sleep(5);
                    } catch (Exception e) {
                        return;
                    }
                }
            });
            publisher.start();
            try (RocketMqBus busLate = bus("t-late", "node-late", 1 << 20)) {
                await().atMost(Duration.ofSeconds(10)).until(() -> sent.size() >= 50);
                busLate.start(late);
                await().atMost(Duration.ofSeconds(30)).until(busLate::isReady);
                int sentAtReady = sent.size();
                await().atMost(Duration.ofSeconds(10)).until(() -> sent.size() >= sentAtReady + 100);
                publishing.set(false);
                publisher.join(10_000);
                long[] next = late.next;
                List<Position> due = sent.stream().filter(p -> p.offset() >= next[p.partition()]).toList();
                assertThat(due).hasSizeGreaterThan(100);
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> late.messages.stream().map(Published::position).toList().containsAll(due));
                for (int partition = 0; partition < next.length; partition++) {
                    int p = partition;
                    List<Long> offsets = late.messages.stream().filter(m -> m.position().partition() == p)
                            .map(m -> m.position().offset()).toList();
                    if (!offsets.isEmpty()) {
                        assertThat(offsets.get(0)).as("first offset in partition %d", p).isEqualTo(next[p]);
                    }
                }
            } finally {
                publishing.set(false);
                publisher.join(10_000);
            }
        }
    }

    @Test
    void theLogReaderReadsARangeOfAQueueBack() throws Exception {
        Recorder r = new Recorder();
        try (RocketMqBus bus = bus("t-read", "node-r", 1 << 20)) {
            bus.start(r);
            await().atMost(Duration.ofSeconds(30)).until(bus::isReady);
            List<Position> positions = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                positions.add(bus.publish(roomMessage("reread", Integer.toString(i))).get());
            }
            int partition = positions.get(0).partition();
            long from = positions.get(10).offset();
            long to = positions.get(40).offset();
            List<Published> read = bus.logReader().read(partition, from, to).get();
            assertThat(read).extracting(Published::position).containsExactlyElementsOf(positions.subList(10, 40));
            assertThat(read.get(0).envelope().headers()).containsEntry("x-n", "10");
            // a second read (the consumer is reused) works the same
            assertThat(bus.logReader().read(partition, to, to + 5).get()).hasSize(5);
        }
    }

    @Test
    void anOversizeMessageIsRefusedBeforeItIsSent() throws Exception {
        Recorder r = new Recorder();
        try (RocketMqBus bus = bus("t-size", "node-s", 1024)) {
            bus.start(r);
            await().atMost(Duration.ofSeconds(30)).until(bus::isReady);
            CompletableFuture<Position> f = bus.publish(roomMessage("big", "x".repeat(2000)));
            assertThatThrownBy(f::get).isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(MessageTooLargeException.class).hasMessageContaining("at most 1024");
        }
    }

    @Test
    void anUnreachableBrokerMeansNotReadyAndAClearFailure() throws Exception {
        Recorder r = new Recorder();
        try (RocketMqBus bus = new RocketMqBus(new RocketMqBusConfig("127.0.0.1:1", "t-none", 4, "node-x",
                dir.resolve("node-x"), Duration.ofSeconds(1), 1024))) {
            bus.start(r); // returns at once; connecting goes on in the background
            assertThat(bus.isReady()).isFalse();
            assertThat(bus.unavailableReason()).contains("127.0.0.1:1");
            assertThatThrownBy(() -> bus.publish(roomMessage("r", "x")).get())
                    .hasCauseInstanceOf(BusUnavailableException.class);
        }
    }

    /**
     * Nodes and the local broker speak RocketMQ's binary headers, not JSON (see {@link RemotingHeaders}): both
     * directions of a probe client's route lookup and send, in the JVM a bus was created in.
     */
    @Test
    void requestsAndAnswersUseBinaryHeaders() throws Exception {
        List<SerializeType> requests = new CopyOnWriteArrayList<>();
        List<SerializeType> answers = new CopyOnWriteArrayList<>();
        RPCHook probe = new RPCHook() {
            @Override
            public void doBeforeRequest(String remoteAddr, RemotingCommand request) {
                requests.add(request.getSerializeTypeCurrentRPC());
            }

            @Override
            public void doAfterResponse(String remoteAddr, RemotingCommand request, RemotingCommand response) {
                answers.add(response.getSerializeTypeCurrentRPC());
            }
        };
        try (RocketMqBus bus = bus("t-binary", "node-h", 1 << 20)) {
            bus.startPublishing(); // creates the topic
            await().atMost(Duration.ofSeconds(30)).until(bus::isReady);
            probeSend("t-binary", probe);
        }
        assertThat(requests).isNotEmpty().containsOnly(SerializeType.ROCKETMQ);
        assertThat(answers).isNotEmpty().containsOnly(SerializeType.ROCKETMQ);
    }

    /**
     * The local broker runs without RocketMQ's separate codec thread group and copies pulled messages from the
     * page cache to the socket rather than through its heap (see {@code EmbeddedBroker}), as its own
     * configuration says when asked over the admin protocol. Every other test here pulls through that path.
     * (The codec group's threads still exist: RocketMQ 5.3 reads each connection's first bytes on one.)
     */
    @Test
    void theLocalBrokerSkipsTheCodecThreadsAndTheHeapCopy() throws Exception {
        DefaultMQProducer producer = probe("probe-config", null);
        try {
            Properties config = producer.getDefaultMQProducerImpl().getMqClientFactory().getMQClientAPIImpl()
                    .getBrokerConfig("127.0.0.1:" + broker.brokerPort(), 5000);
            assertThat(config).containsEntry("serverNettyWorkerGroupEnable", "false")
                    .containsEntry("transferMsgByHeap", "false");
        } finally {
            producer.shutdown();
        }
    }

    /** Sends one message to the topic with a plain RocketMQ producer, as a node's own producer would. */
    private static void probeSend(String topic, RPCHook hook) throws Exception {
        DefaultMQProducer producer = probe("probe", hook);
        try {
            SendResult sent = producer.send(new Message(topic, new byte[] {1}));
            assertThat(sent.getSendStatus()).isEqualTo(SendStatus.SEND_OK);
        } finally {
            producer.shutdown();
        }
    }

    /** A started plain RocketMQ producer on the test broker, in a client instance of its own. */
    private static DefaultMQProducer probe(String name, RPCHook hook) throws Exception {
        DefaultMQProducer producer = new DefaultMQProducer(name, hook);
        producer.setNamesrvAddr(broker.namesrv());
        producer.setInstanceName(name);
        producer.start();
        return producer;
    }

    @Test
    void theEnvelopeSurvivesTheWire() {
        Envelope e = new Envelope(Stream.user("bob"), Envelope.WHISPER, "alice", "lobby", null, null,
                Map.of("k", "v:1"), new byte[] {1, 0, 2});
        Envelope back = EnvelopeCodec.decode(EnvelopeCodec.encode(e));
        assertThat(back.stream()).isEqualTo(Stream.user("bob"));
        assertThat(back.event()).isEqualTo("whisper");
        assertThat(back.from()).isEqualTo("alice");
        assertThat(back.room()).isEqualTo("lobby");
        assertThat(back.user()).isNull();
        assertThat(back.headers()).containsEntry("k", "v:1");
        assertThat(back.body()).containsExactly(1, 0, 2);
        assertThatThrownBy(() -> EnvelopeCodec.decode("{\"json\":1}".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("magic");
    }
}
