package io.roomcast.bus.rocketmq;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A local RocketMQ (NameServer and Broker) as a child process running {@code roomcast-broker.jar}, so that
 * its ~140 jars never share a classpath with the node. Used by {@code roomcast broker}, the crash drill and
 * the tests.
 *
 * <p>Not thread-safe.
 */
public final class LocalBroker implements AutoCloseable {
    /** System property naming the broker jar; otherwise it is looked for next to the running jar. */
    public static final String JAR_PROPERTY = "roomcast.broker.jar";
    private static final Pattern READY = Pattern.compile("roomcast-broker ready: namesrv (\\S+), broker port (\\d+)");

    private final Process process;
    private final String namesrv;
    private final int brokerPort;
    private final Path dir;

    private LocalBroker(Process process, String namesrv, int brokerPort, Path dir) {
        this.process = process;
        this.namesrv = namesrv;
        this.brokerPort = brokerPort;
        this.dir = dir;
    }

    public int brokerPort() {
        return brokerPort;
    }

    /**
     * Starts the broker process and waits until it is ready.
     *
     * @param dir         data directory (store, configs, logs)
     * @param namesrvPort NameServer port, 0 for a free one
     * @param brokerPort  Broker port, 0 for a free one
     * @param output      receives each line the process prints (for a terminal or a test log)
     */
    public static LocalBroker start(Path brokerJar, Path dir, int namesrvPort, int brokerPort,
                                    Consumer<String> output) throws IOException, InterruptedException {
        if (!Files.isRegularFile(brokerJar)) {
            throw new IOException("the local broker needs " + brokerJar
                    + "; build it with 'mvn -B -q package -DskipTests'");
        }
        Files.createDirectories(dir);
        List<String> command = new ArrayList<>(List.of(javaBin(), "-Xmx128m", "-XX:MaxDirectMemorySize=128m",
                // Its GC pauses hold up every send and every pull at once: worth a look when the bus is slow.
                "-Xlog:gc:file=" + dir.toAbsolutePath().resolve("gc.log") + ":uptime,level",
                "-Duser.home=" + dir.toAbsolutePath(), "-Drocketmq.home.dir=" + dir.toAbsolutePath(),
                "-jar", brokerJar.toAbsolutePath().toString(), "--dir", dir.toAbsolutePath().toString(),
                "--namesrv-port", Integer.toString(namesrvPort), "--broker-port", Integer.toString(brokerPort)));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        CompletableFuture<String> ready = new CompletableFuture<>();
        Thread reader = new Thread(() -> pump(process, ready, output), "local-broker-output");
        reader.setDaemon(true);
        reader.start();
        try {
            String[] started = ready.get(60, TimeUnit.SECONDS).split(" ");
            return new LocalBroker(process, started[0], Integer.parseInt(started[1]), dir);
        } catch (Exception e) {
            process.destroyForcibly();
            throw new IOException("the local broker did not become ready within 60 s: " + e.getMessage(), e);
        }
    }

    /** Finds the broker jar: the system property, else broker/target next to the running server jar. */
    public static Path defaultJar() {
        String configured = System.getProperty(JAR_PROPERTY);
        if (configured != null) {
            return Path.of(configured);
        }
        try {
            Path self = Path.of(LocalBroker.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            // server/target/roomcast.jar -> broker/target/roomcast-broker.jar
            return self.getParent().resolve("../../broker/target/roomcast-broker.jar").normalize();
        } catch (Exception e) {
            return Path.of("broker/target/roomcast-broker.jar");
        }
    }

    private static void pump(Process process, CompletableFuture<String> ready, Consumer<String> output) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                output.accept(line);
                Matcher m = READY.matcher(line);
                if (m.find()) {
                    ready.complete(m.group(1) + " " + m.group(2));
                }
            }
        } catch (IOException ignored) {
            // the process ended
        }
        // Already complete after a normal start; otherwise the process died before it was ready.
        ready.completeExceptionally(new IOException("the broker process ended"
                + (process.isAlive() ? " its output" : " with exit code " + process.exitValue())));
    }

    private static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    public String namesrv() {
        return namesrv;
    }

    public Path dir() {
        return dir;
    }

    public Process process() {
        return process;
    }

    /** Stops the broker with SIGTERM and waits for it (RocketMQ takes about ten seconds). */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
