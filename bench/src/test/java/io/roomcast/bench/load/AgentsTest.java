package io.roomcast.bench.load;

import io.roomcast.bench.ceiling.CeilingServer;
import org.junit.jupiter.api.Test;

import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Several agent processes hold one run's connections together, and let go of them when told. */
class AgentsTest {
    @Test
    void threeProcessesHoldTheirSharesUntilClosed() throws Exception {
        List<String> java = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "io.roomcast.bench.Bench");
        try (CeilingServer server = new CeilingServer("127.0.0.1", 0, true);
             Progress progress = new Progress(new PrintStream(PrintStream.nullOutputStream()), "agents", 150,
                     () -> "")) {
            URI ws = URI.create("ws://127.0.0.1:" + server.port() + "/ws");
            try (Agents agents = Agents.start(java, ws, 0, 150, 3, progress)) {
                double rate = agents.awaitReady(Duration.ofSeconds(60));
                assertThat(rate).isPositive();
                assertThat(progress.count()).isEqualTo(150);
                assertThat(server.openConnections()).isEqualTo(150);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> server.openConnections() == 0);
        }
    }

    @Test
    void aShareOverOneProcesssCapIsRefused() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Agents.start(List.of("java"),
                        URI.create("ws://127.0.0.1:1/ws"), 0, 40_000, 2, Progress.quiet()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("more than 2 processes");
    }
}
