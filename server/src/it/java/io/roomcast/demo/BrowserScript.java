package io.roomcast.demo;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs one of the Playwright scenarios under {@code src/it/js/browser} in Node, and fails the test with its
 * output unless it prints PASS. The assertions live in the scenario, next to the clicks they check.
 */
final class BrowserScript {
    static final Path SCREENSHOTS = Path.of("target", "screenshots").toAbsolutePath();

    private BrowserScript() {
    }

    static String run(String script, long timeoutSeconds, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("node", "browser/" + script));
        cmd.addAll(List.of(args));
        Process node = new ProcessBuilder(cmd).directory(new File(System.getProperty("roomcast.js.dir")))
                .redirectErrorStream(true).start();
        CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (Exception e) {
                return "cannot read the script's output: " + e;
            }
        });
        boolean finished = node.waitFor(timeoutSeconds, TimeUnit.SECONDS);
        if (!finished) {
            node.destroyForcibly();
        }
        String text = output.get(10, TimeUnit.SECONDS);
        System.out.println(text);
        assertThat(finished).as("%s finished within %d s:%n%s", script, timeoutSeconds, text).isTrue();
        assertThat(node.exitValue()).as(text).isZero();
        assertThat(text).contains("PASS");
        return text;
    }
}
