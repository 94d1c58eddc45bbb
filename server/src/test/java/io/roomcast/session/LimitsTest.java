package io.roomcast.session;

import io.roomcast.testing.RawStomp;
import io.roomcast.testing.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static io.roomcast.testing.RawStomp.header;
import static org.assertj.core.api.Assertions.assertThat;

/** Per-connection and per-user limits, receipts on every frame kind, and the CONNECT deadline. */
class LimitsTest {
    static TestNode node;

    @BeforeAll
    static void start() {
        node = TestNode.start(s -> {
            s.maxSubscriptions = 3;
            s.maxConnectionsPerUser = 2;
            s.connectTimeout = Duration.ofMillis(500);
            s.maxRoomLength = 10;
        });
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    @Test
    void subscriptionsPastTheLimitAreRefused() {
        try (RawStomp raw = RawStomp.connect(node, "subs")) {
            raw.send("SUBSCRIBE\nid:e\ndestination:/user/queue/errors\n\n\0");
            raw.send("SUBSCRIBE\nid:a\ndestination:/topic/room.a\n\n\0");
            raw.send("SUBSCRIBE\nid:b\ndestination:/topic/room.b\n\n\0");
            raw.send("SUBSCRIBE\nid:c\ndestination:/topic/room.c\nreceipt:too-many\n\n\0");
            String refusal;
            do {
                refusal = raw.next("MESSAGE");
            } while (!"error".equals(header(refusal, "event")));
            assertThat(header(refusal, "error")).isEqualTo("too-many-subscriptions");
            assertThat(header(refusal, "receipt-id")).isEqualTo("too-many");
            assertThat(RawStomp.body(refusal)).contains("at most 3");
            // freeing one makes room again
            raw.send("UNSUBSCRIBE\nid:a\nreceipt:u\n\n\0");
            assertThat(header(raw.next("RECEIPT"), "receipt-id")).isEqualTo("u");
            raw.send("SUBSCRIBE\nid:c\ndestination:/topic/room.c\nreceipt:ok\n\n\0");
            assertThat(header(raw.next("RECEIPT"), "receipt-id")).isEqualTo("ok");
        }
    }

    @Test
    void connectionsPastThePerUserLimitAreRefused() {
        try (RawStomp one = RawStomp.connect(node, "popular");
             RawStomp two = RawStomp.connect(node, "popular");
             RawStomp three = RawStomp.open(node)) {
            three.send("CONNECT\naccept-version:1.2\nhost:x\nlogin:popular\n\n\0");
            assertThat(header(three.next("ERROR"), "message")).contains("too many connections for user 'popular'")
                    .contains("limit is 2");
            assertThat(three.awaitClose()).isEqualTo(1008);
            assertThat(one.isClosed()).isFalse();
        }
    }

    @Test
    void aConnectionThatNeverSendsConnectIsClosed() {
        try (RawStomp raw = RawStomp.open(node)) {
            assertThat(header(raw.next("ERROR"), "message")).contains("no CONNECT frame within 500 ms");
            assertThat(raw.awaitClose()).isEqualTo(1008);
        }
    }

    @Test
    void invalidRoomNamesAreRefused() {
        try (RawStomp raw = RawStomp.connect(node, "namer")) {
            raw.send("SUBSCRIBE\nid:1\ndestination:/topic/room.much-too-long-room\n\n\0");
            assertThat(header(raw.next("MESSAGE"), "error")).isEqualTo("invalid-room");
            raw.send("SUBSCRIBE\nid:2\ndestination:/topic/room.a/b\n\n\0");
            assertThat(header(raw.next("MESSAGE"), "error")).isEqualTo("invalid-room");
            raw.send("SUBSCRIBE\nid:3\ndestination:/queue/other\n\n\0");
            assertThat(header(raw.next("MESSAGE"), "error")).isEqualTo("unknown-destination");
        }
    }

    @Test
    void receiptsAnswerEveryFrameThatAsksAndDisconnectClosesCleanly() {
        try (RawStomp raw = RawStomp.connect(node, "receipts")) {
            raw.send("SUBSCRIBE\nid:1\ndestination:/topic/room.rcpt\nreceipt:s\n\n\0");
            String subscribed = raw.next("RECEIPT");
            assertThat(header(subscribed, "receipt-id")).isEqualTo("s");
            assertThat(header(subscribed, "position")).isNotBlank();
            raw.send("SEND\ndestination:/app/room.rcpt\nreceipt:p\n\nhi\0");
            assertThat(header(raw.next("RECEIPT"), "receipt-id")).isEqualTo("p");
            raw.send("ACK\nid:whatever\nreceipt:a\n\n\0");
            assertThat(header(raw.next("RECEIPT"), "receipt-id")).isEqualTo("a");
            raw.send("UNSUBSCRIBE\nid:1\nreceipt:u\n\n\0");
            assertThat(header(raw.next("RECEIPT"), "receipt-id")).isEqualTo("u");
            raw.send("DISCONNECT\nreceipt:bye\n\n\0");
            assertThat(header(raw.next("RECEIPT"), "receipt-id")).isEqualTo("bye");
            assertThat(raw.awaitClose()).isEqualTo(1000);
        }
    }

    @Test
    void stomp10ClientsMaySubscribeWithoutAnId() {
        try (RawStomp raw = RawStomp.open(node)) {
            raw.send("CONNECT\nlogin:old\n\n\0");
            assertThat(header(raw.next("CONNECTED"), "version")).isEqualTo("1.0");
            raw.send("SUBSCRIBE\ndestination:/topic/room.old\nreceipt:r\n\n\0");
            assertThat(header(raw.next("RECEIPT"), "receipt-id")).isEqualTo("r");
        }
    }

    @Test
    void anUnsupportedVersionIsAProtocolError() {
        try (RawStomp raw = RawStomp.open(node)) {
            raw.send("CONNECT\naccept-version:2.0\nlogin:future\n\n\0");
            assertThat(header(raw.next("ERROR"), "message")).contains("unsupported STOMP version '2.0'");
            assertThat(raw.awaitClose()).isEqualTo(1002);
        }
    }
}
