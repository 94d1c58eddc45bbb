package io.roomcast.client;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Every bad argument is refused on the caller's thread, before a request leaves: the "node" here only counts
 * what reaches it, and nothing must.
 */
class BadArgumentsTest {
    static HttpServer counter;
    static final AtomicInteger requests = new AtomicInteger();
    static RoomcastPublisher publisher;

    @BeforeAll
    static void start() throws Exception {
        counter = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        counter.createContext("/", exchange -> {
            requests.incrementAndGet();
            exchange.sendResponseHeaders(500, -1);
            exchange.close();
        });
        counter.start();
        publisher = RoomcastPublisher.http(new HttpTransportSettings(java.util.List.of(java.net.URI.create(
                "http://127.0.0.1:" + counter.getAddress().getPort())), "key", java.time.Duration.ofSeconds(2), 100));
    }

    @AfterAll
    static void stop() {
        publisher.close();
        counter.stop(0);
    }

    @Test
    void nullEmptyOrOversizePayloadsAndMissingTargetsNeverLeave() {
        int before = requests.get();
        assertRefused(() -> publisher.toRoom("lobby", null), "payload is null");
        assertRefused(() -> publisher.toRoom("lobby", ""), "payload is empty");
        assertRefused(() -> publisher.toUser("bob", new byte[0]), "payload is empty");
        assertRefused(() -> publisher.broadcast("x".repeat(101)), "101 bytes; the limit is 100");
        assertRefused(() -> publisher.toRoom(null, "hi"), "room is missing");
        assertRefused(() -> publisher.toRoom("", "hi"), "room is missing");
        assertRefused(() -> publisher.toRoom("no spaces", "hi"), "invalid room id");
        assertRefused(() -> publisher.toUser(" ", "hi"), "user is missing");
        assertRefused(() -> publisher.toRoomAsync("lobby", null), "payload is null");
        assertRefused(() -> publisher.broadcast("hi", Map.of("position", "forged")), "reserved");
        assertRefused(() -> publisher.toRoom("lobby", new byte[] {(byte) 0xff, (byte) 0xfe}), "not UTF-8");
        assertRefused(() -> publisher.presence(""), "room is missing");
        assertRefused(() -> publisher.disconnect(null), "user is missing");
        assertThat(requests.get() - before).as("requests that reached the node").isZero();
    }

    /** The nodes' own rules (io.roomcast.bus.Ids, Envelope.reservedHeader), checked before anything leaves. */
    @Test
    void roomsUsersAndHeadersAreHeldToTheNodesRules() {
        int before = requests.get();
        assertRefused(() -> publisher.toRoom("r".repeat(65), "hi"), "use 1 to 64 letters");
        assertRefused(() -> publisher.presence("-dash-first"), "invalid room id");
        assertRefused(() -> publisher.toUser("u".repeat(129), "hi"), "longer than 128 characters");
        assertRefused(() -> publisher.toUser("bell\u0007", "hi"), "control character");
        assertRefused(() -> publisher.disconnect("u".repeat(129)), "longer than 128 characters");
        for (String spoof : java.util.List.of("user", " user", "user ", "USER", "From", "receipt-id", "message",
                "session", "node", "user-name", "error")) {
            assertRefused(() -> publisher.toRoom("lobby", "hi", Map.of(spoof, "x")),
                    "header '" + spoof + "' is reserved");
        }
        assertThat(requests.get() - before).as("requests that reached the node").isZero();
    }

    /** What the checks let through does leave: the rules are not stricter than the nodes'. */
    @Test
    void theLongestRoomAndUserAndAnOrdinaryHeaderAreSent() {
        int before = requests.get();
        assertThatThrownBy(() -> publisher.toRoom("r".repeat(64), "hi", Map.of("x-user", "ok")))
                .isInstanceOf(RoomcastPublishException.class);
        assertThatThrownBy(() -> publisher.toUser("u".repeat(128), "hi")).isInstanceOf(RoomcastPublishException.class);
        assertThat(requests.get() - before).as("requests that reached the (failing) node").isEqualTo(2);
    }

    @Test
    void badSettingsSayWhichSettingAndWhy() {
        assertThatThrownBy(() -> HttpTransportSettings.of(java.util.List.of(), "k"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("nodes:");
        assertThatThrownBy(() -> HttpTransportSettings.of("ftp://x", "k")).hasMessageContaining("not an http");
        assertThatThrownBy(() -> HttpTransportSettings.of("http://x:1", " ")).hasMessageStartingWith("apiKey:");
        assertThatThrownBy(() -> RocketMqTransportSettings.of("g", "no-port")).hasMessageStartingWith("namesrvAddr:");
        assertThatThrownBy(() -> RocketMqTransportSettings.of("", "h:1")).hasMessageStartingWith("groupName:");
        assertThatThrownBy(() -> new RocketMqTransportSettings("g", "h:1", 0, 1, 1, "t", 1, null))
                .hasMessageStartingWith("maxMessageSize:");
        assertThatThrownBy(() -> new RocketMqTransportSettings("g", "h:1", 1, 0, 1, "t", 1, null))
                .hasMessageStartingWith("sendMsgTimeout:");
        assertThatThrownBy(() -> new RocketMqTransportSettings("g", "h:1", 1, 1, -1, "t", 1, null))
                .hasMessageStartingWith("retryTimesWhenSendFailed:");
    }

    private static void assertRefused(Runnable call, String reason) {
        assertThatThrownBy(call::run).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(reason);
    }
}
