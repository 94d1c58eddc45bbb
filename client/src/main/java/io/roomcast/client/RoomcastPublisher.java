package io.roomcast.client;

import io.roomcast.bus.Position;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Publishes into Roomcast from a backend: to a room, to one user (every session of theirs, on every node), or
 * to everyone. Build one with {@link #http} or {@link #rocketMq}; it is thread-safe, meant to be shared, and
 * closed with the application.
 *
 * <p>A payload is a {@code String} (sent as text), a {@code byte[]}, or any object, which the configured
 * {@link PayloadSerializer} (Jackson by default) turns into JSON. An empty or null payload, a payload larger than
 * the limit, or a missing target throws {@link IllegalArgumentException} before anything is sent. A send that
 * fails throws {@link RoomcastPublishException} (or fails the future with it), with the cause: never a silent
 * null.
 *
 * <pre>{@code
 * RoomcastPublisher publisher = RoomcastPublisher.http(HttpTransportSettings.of("http://roomcast:8080", apiKey));
 * publisher.toRoom("lobby", Map.of("text", "Doors open at eight"));
 * publisher.toUser("alice", "Your table is ready");
 * }</pre>
 */
public interface RoomcastPublisher extends AutoCloseable {

    static RoomcastPublisher http(HttpTransportSettings settings) {
        return new HttpPublisher(settings, PayloadSerializer.jackson());
    }

    static RoomcastPublisher http(HttpTransportSettings settings, PayloadSerializer serializer) {
        return new HttpPublisher(settings, serializer);
    }

    /** Connects to RocketMQ and waits until the bus topic is usable; throws {@link RoomcastStartException} if not. */
    static RoomcastPublisher rocketMq(RocketMqTransportSettings settings) {
        return RocketMqPublisher.start(settings, PayloadSerializer.jackson());
    }

    static RoomcastPublisher rocketMq(RocketMqTransportSettings settings, PayloadSerializer serializer) {
        return RocketMqPublisher.start(settings, serializer);
    }

    /** Sends to every member of {@code room}; returns the message's position. */
    default Position toRoom(String room, Object payload) {
        return toRoom(room, payload, Map.of());
    }

    default Position toRoom(String room, Object payload, Map<String, String> headers) {
        return Futures.await(toRoomAsync(room, payload, headers));
    }

    default CompletableFuture<Position> toRoomAsync(String room, Object payload) {
        return toRoomAsync(room, payload, Map.of());
    }

    CompletableFuture<Position> toRoomAsync(String room, Object payload, Map<String, String> headers);

    /** Sends to every session of {@code user} ({@code event:direct}); returns the message's position. */
    default Position toUser(String user, Object payload) {
        return toUser(user, payload, Map.of());
    }

    default Position toUser(String user, Object payload, Map<String, String> headers) {
        return Futures.await(toUserAsync(user, payload, headers));
    }

    default CompletableFuture<Position> toUserAsync(String user, Object payload) {
        return toUserAsync(user, payload, Map.of());
    }

    CompletableFuture<Position> toUserAsync(String user, Object payload, Map<String, String> headers);

    /** Sends to everyone subscribed to the broadcast topic; returns the message's position. */
    default Position broadcast(Object payload) {
        return broadcast(payload, Map.of());
    }

    default Position broadcast(Object payload, Map<String, String> headers) {
        return Futures.await(broadcastAsync(payload, headers));
    }

    default CompletableFuture<Position> broadcastAsync(Object payload) {
        return broadcastAsync(payload, Map.of());
    }

    CompletableFuture<Position> broadcastAsync(Object payload, Map<String, String> headers);

    /** Who is in {@code room}, over the whole cluster. */
    List<Member> presence(String room);

    /** Closes every session of {@code user}, on every node. */
    void disconnect(String user);

    /** Releases connections and threads; sends in flight complete or fail first. */
    @Override
    void close();

    /**
     * One member of a room.
     *
     * @param sessions the user's sessions in the room, over all nodes
     * @param nodes    the nodes holding them
     */
    record Member(String user, int sessions, List<String> nodes) {
    }
}
