package io.roomcast.cluster;

import io.roomcast.testing.NodeProcess;
import io.roomcast.testing.RawStomp;
import io.roomcast.testing.SharedBroker;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.roomcast.testing.RawStomp.body;
import static io.roomcast.testing.RawStomp.header;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A client away long enough that its position has left every node's in-memory window (five messages per
 * partition here) resumes from the broker's log; past the configured bound it is told recovered:false.
 */
class DeepRecoveryIT {

    @Test
    void aPositionOutsideTheWindowIsRecoveredFromTheLogAndPastTheBoundItIsNot() throws Exception {
        String namesrv = SharedBroker.get().namesrv();
        try (NodeProcess a = NodeProcess.start("deep-a", namesrv, "--history-max-messages", "5");
             NodeProcess b = NodeProcess.start("deep-b", namesrv, "--history-max-messages", "5");
             NodeProcess bounded = NodeProcess.start("deep-bounded", namesrv, "--history-max-messages", "5",
                     "--recovery-max-messages", "20")) {
            String room = "deep" + System.nanoTime();
            String position;
            try (RawStomp first = RawStomp.connect(a.wsUrl(), "diver")) {
                first.send("SUBSCRIBE\nid:1\ndestination:/topic/room." + room + "\nreceipt:r\n\n\0");
                first.next("RECEIPT");
                a.post("/api/rooms/" + room + "/messages", "{\"data\":\"0\"}");
                String m;
                do {
                    m = first.next("MESSAGE");
                } while (!"message".equals(header(m, "event")));
                position = header(m, "position");
            }
            for (int i = 1; i <= 60; i++) {
                assertThat(a.post("/api/rooms/" + room + "/messages", "{\"data\":\"" + i + "\"}").statusCode()).isEqualTo(200);
            }
            // Publishing goes on while the client resumes on another node.
            Thread publisher = new Thread(() -> {
                for (int i = 61; i <= 100; i++) {
                    a.post("/api/rooms/" + room + "/messages", "{\"data\":\"" + i + "\"}");
                }
            });
            try (RawStomp back = RawStomp.connect(b.wsUrl(), "diver")) {
                publisher.start();
                back.send("SUBSCRIBE\nid:1\ndestination:/topic/room." + room + "\nsince:" + position + "\nreceipt:r\n\n\0");
                String recovery = back.next("MESSAGE");
                assertThat(header(recovery, "event")).isEqualTo("recovery");
                assertThat(header(recovery, "recovered")).isEqualTo("true");
                publisher.join(30_000);
                List<Integer> got = new ArrayList<>();
                while (got.size() < 100) {
                    String m = back.next("MESSAGE");
                    if ("message".equals(header(m, "event"))) {
                        got.add(Integer.parseInt(body(m)));
                    }
                }
                List<Integer> expected = new ArrayList<>();
                for (int i = 1; i <= 100; i++) {
                    expected.add(i);
                }
                assertThat(got).as("1..100 once each, in order: from the log, the window, then live").isEqualTo(expected);
            }
            try (RawStomp tooFar = RawStomp.connect(bounded.wsUrl(), "diver")) {
                tooFar.send("SUBSCRIBE\nid:1\ndestination:/topic/room." + room + "\nsince:" + position + "\n\n\0");
                String recovery = tooFar.next("MESSAGE");
                assertThat(header(recovery, "event")).isEqualTo("recovery");
                assertThat(header(recovery, "recovered")).as("100 missed messages, bound 20").isEqualTo("false");
            }
        }
    }
}
