package io.roomcast.client;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.roomcast.bus.Envelope;
import io.roomcast.bus.Position;
import io.roomcast.bus.Stream;
import io.roomcast.bus.rocketmq.RocketMqBus;
import io.roomcast.bus.rocketmq.RocketMqBusConfig;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The RocketMQ transport: publishes straight onto the nodes' bus topic, like the original
 * {@code BroadcastMqProducer}, so that no node is on the publish path. It is the nodes' own bus in
 * publish-only mode, so the partitioning (a room's or user's stream always on the same queue), the envelope
 * and the per-stream order are exactly theirs.
 */
final class RocketMqPublisher implements RoomcastPublisher {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final RocketMqTransportSettings settings;
    private final PayloadSerializer serializer;
    private final RocketMqBus bus;
    private final HttpPublisher presence;

    private RocketMqPublisher(RocketMqTransportSettings settings, PayloadSerializer serializer, RocketMqBus bus) {
        this.settings = settings;
        this.serializer = serializer;
        this.bus = bus;
        this.presence = settings.presenceNodes() == null ? null : new HttpPublisher(settings.presenceNodes(), serializer);
    }

    static RocketMqPublisher start(RocketMqTransportSettings settings, PayloadSerializer serializer) {
        return start(settings, serializer, RocketMqTransportSettings.START_TIMEOUT);
    }

    static RocketMqPublisher start(RocketMqTransportSettings settings, PayloadSerializer serializer, Duration timeout) {
        String instance = "roomcast-sdk-" + settings.groupName() + "-" + ProcessHandle.current().pid();
        RocketMqBus bus = new RocketMqBus(new RocketMqBusConfig(settings.namesrvAddr(), settings.topic(),
                settings.partitions(), instance, null, Duration.ofMillis(settings.sendMsgTimeout()),
                settings.maxMessageSize(), settings.groupName(), settings.retryTimesWhenSendFailed()));
        try {
            bus.startPublishing();
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!bus.isReady() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            if (!bus.isReady()) {
                throw new RoomcastStartException("the RocketMQ publisher could not start within "
                        + timeout.toSeconds() + " s: " + bus.unavailableReason(), null);
            }
            return new RocketMqPublisher(settings, serializer, bus);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            bus.close();
            throw new RoomcastStartException("interrupted while starting the RocketMQ publisher", e);
        } catch (RuntimeException e) {
            bus.close();
            throw e instanceof RoomcastStartException ? e
                    : new RoomcastStartException("the RocketMQ publisher could not start: " + e.getMessage(), e);
        }
    }

    @Override
    public CompletableFuture<Position> toRoomAsync(String room, Object payload, Map<String, String> headers) {
        String r = Checks.room(room);
        return send(Stream.room(r), Envelope.MESSAGE, r, payload, headers);
    }

    @Override
    public CompletableFuture<Position> toUserAsync(String user, Object payload, Map<String, String> headers) {
        return send(Stream.user(Checks.user(user)), Envelope.DIRECT, null, payload, headers);
    }

    @Override
    public CompletableFuture<Position> broadcastAsync(Object payload, Map<String, String> headers) {
        return send(Stream.BROADCAST, Envelope.MESSAGE, null, payload, headers);
    }

    private CompletableFuture<Position> send(Stream stream, String event, String room, Object payload,
                                             Map<String, String> headers) {
        PayloadSerializer.Payload p = PayloadSerializer.encode(serializer, payload, settings.maxMessageSize());
        Envelope envelope = new Envelope(stream, event, null, room, null, p.contentType(), Checks.headers(headers),
                p.bytes());
        return bus.publish(envelope).exceptionallyCompose(failure -> CompletableFuture.failedFuture(
                new RoomcastPublishException("RocketMQ did not take the message: "
                        + Futures.unwrap(failure).getMessage(), Futures.unwrap(failure))));
    }

    @Override
    public List<Member> presence(String room) {
        if (presence == null) {
            throw new UnsupportedOperationException("presence is kept by the nodes: configure presenceNodes "
                    + "(node URLs and API key) to ask them, or use the HTTP transport");
        }
        return presence.presence(room);
    }

    /** Asks every node, on the bus's control stream, to close the user's sessions. */
    @Override
    public void disconnect(String user) {
        Map<String, String> control = new LinkedHashMap<>();
        control.put("type", "disconnect");
        control.put("node", "sdk:" + settings.groupName());
        control.put("user", Checks.user(user));
        try {
            Futures.await(bus.publish(new Envelope(Stream.CONTROL, "disconnect", null, null, null, "application/json",
                    Map.of(), JSON.writeValueAsBytes(control))));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        bus.close();
        if (presence != null) {
            presence.close();
        }
    }
}
