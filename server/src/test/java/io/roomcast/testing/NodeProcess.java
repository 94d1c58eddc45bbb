package io.roomcast.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;

/**
 * A node as its own JVM running the packaged {@code roomcast.jar}, so that {@code kill -9} is real. Output goes
 * to {@code target/nodes/<id>.log}.
 */
public final class NodeProcess implements AutoCloseable {
    public static final String API_KEY = TestNode.API_KEY;
    private static final Pattern LISTENING = Pattern.compile("listening on port (\\d+)");

    private final String id;
    private final Process process;
    private final int port;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private NodeProcess(String id, Process process, int port) {
        this.id = id;
        this.process = process;
        this.port = port;
    }

    /** Starts a clustered node on {@code namesrv} and waits until it is ready. */
    public static NodeProcess start(String id, String namesrv, String... extraArgs) throws Exception {
        NodeProcess node = startUnready(id, namesrv, extraArgs);
        await().atMost(Duration.ofSeconds(60)).until(node::isReady);
        return node;
    }

    /** Starts a clustered node and waits only until it listens (its bus may not be ready). */
    public static NodeProcess startUnready(String id, String namesrv, String... extraArgs) throws Exception {
        List<String> args = new ArrayList<>(List.of("--bus", "rocketmq", "--namesrv", namesrv,
                "--node-heartbeat", "300ms", "--node-timeout", "2s", "--partitions", "8"));
        args.addAll(List.of(extraArgs));
        return launch(id, args);
    }

    /** Starts a node on the embedded default (memory bus), as the README's first command does. */
    public static NodeProcess startEmbedded(String id, String... extraArgs) throws Exception {
        NodeProcess node = launch(id, List.of(extraArgs));
        await().atMost(Duration.ofSeconds(60)).until(node::isReady);
        return node;
    }

    private static NodeProcess launch(String id, List<String> args) throws Exception {
        Path logs = Path.of("target", "nodes");
        Files.createDirectories(logs);
        Path dataDir = Files.createTempDirectory("roomcast-" + id);
        List<String> cmd = new ArrayList<>(List.of(javaBin(), "-Xmx256m",
                "-XX:+ExitOnOutOfMemoryError", "-Droomcast.test=true",
                "-Duser.home=" + dataDir, "-jar", jar(),
                "--host", "127.0.0.1", "--port", "0", "--node-id", id, "--api-key", API_KEY,
                "--data-dir", dataDir.toString()));
        cmd.addAll(args);
        Path log = logs.resolve(id + ".log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        CompletableFuture<Integer> port = new CompletableFuture<>();
        Thread pump = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                 var out = Files.newBufferedWriter(log)) {
                String line;
                while ((line = in.readLine()) != null) {
                    out.write(line);
                    out.newLine();
                    out.flush();
                    Matcher m = LISTENING.matcher(line);
                    if (m.find()) {
                        port.complete(Integer.parseInt(m.group(1)));
                    }
                }
            } catch (IOException ignored) {
                // process ended
            }
            port.completeExceptionally(new IllegalStateException("node " + id + " exited; see " + log));
        }, "node-" + id + "-output");
        pump.setDaemon(true);
        pump.start();
        return new NodeProcess(id, p, port.get(60, TimeUnit.SECONDS));
    }

    private static String jar() {
        String jar = System.getProperty("roomcast.jar");
        return jar != null ? jar : Path.of("target", "roomcast.jar").toAbsolutePath().toString();
    }

    private static String javaBin() {
        return jdkTool("java");
    }

    private static String jdkTool(String name) {
        return Path.of(System.getProperty("java.home"), "bin", name).toString();
    }

    /**
     * The last {@code lines} lines this node wrote ({@code target/nodes/<id>.log}), for a failing test to print:
     * CI keeps the build's output, not the target directory.
     */
    public String logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(Path.of("target", "nodes", id + ".log"), StandardCharsets.UTF_8);
            return String.join(System.lineSeparator(), all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** The node's threads ({@code jcmd Thread.print}), for a test to print when the node is stuck; or why not. */
    public String threadDump() {
        try {
            Process jcmd = new ProcessBuilder(jdkTool("jcmd"), Long.toString(process.pid()), "Thread.print")
                    .redirectErrorStream(true).start();
            String out = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            jcmd.waitFor(20, TimeUnit.SECONDS);
            return "threads of node " + id + ":" + System.lineSeparator() + out;
        } catch (Exception e) {
            return "no thread dump of node " + id + ": " + e;
        }
    }

    public String id() {
        return id;
    }

    public int port() {
        return port;
    }

    public String wsUrl() {
        return "ws://127.0.0.1:" + port + "/ws";
    }

    public String httpUrl() {
        return "http://127.0.0.1:" + port + "/";
    }

    public Process process() {
        return process;
    }

    public boolean isReady() {
        try {
            return get("/health/ready", false).statusCode() == 200;
        } catch (RuntimeException e) {
            return false;
        }
    }

    public HttpResponse<String> get(String path, boolean withKey) {
        return send("GET", path, null, withKey);
    }

    public HttpResponse<String> post(String path, String json) {
        return send("POST", path, json, true);
    }

    public HttpResponse<String> send(String method, String path, String json, boolean withKey) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10))
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        if (withKey) {
            b.header("Authorization", "Bearer " + API_KEY);
        }
        try {
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException("node " + id + ": " + e, e);
        }
    }

    /** {@code kill -9}: no shutdown hook, no goodbye. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
