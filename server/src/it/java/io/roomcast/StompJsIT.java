package io.roomcast;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The packaged jar, started the way the README starts it, driven by {@code @stomp/stompjs} in Node: the
 * client most browser apps will use.
 */
class StompJsIT {
    private static final Pattern LISTENING = Pattern.compile("listening on port (\\d+)");
    private Process server;
    private int port;

    @BeforeEach
    void startJar() throws Exception {
        server = new ProcessBuilder("java", "-Xmx256m", "-jar", System.getProperty("roomcast.jar"),
                "--host", "127.0.0.1", "--port", "0")
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            String line = out.readLine();
            assertThat(line).as("the jar's start-up output").isNotNull();
            Matcher m = LISTENING.matcher(line);
            if (m.find()) {
                port = Integer.parseInt(m.group(1));
                return;
            }
        }
        throw new AssertionError("the jar did not report its port within 30 s");
    }

    @AfterEach
    void stopJar() throws Exception {
        server.destroy();
        assertThat(server.waitFor(20, TimeUnit.SECONDS)).as("the jar exits on SIGTERM").isTrue();
    }

    @Test
    void stompJsClientsChatWhisperAndResume() throws Exception {
        Process node = new ProcessBuilder("node", "chat.mjs", "ws://127.0.0.1:" + port + "/ws")
                .directory(new File(System.getProperty("roomcast.js.dir")))
                .redirectErrorStream(true).start();
        String output = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(node.waitFor(30, TimeUnit.SECONDS)).isTrue();
        System.out.println(output);
        assertThat(node.exitValue()).as(output).isZero();
        assertThat(output).contains("PASS").contains("bob gets alice's whisper");
    }
}
