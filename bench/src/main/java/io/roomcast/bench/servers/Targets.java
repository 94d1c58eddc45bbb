package io.roomcast.bench.servers;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts each server the benchmark compares, from the jars the build made: Roomcast (the node jar, embedded
 * default or clustered), the ceiling (this jar's {@code ceiling} command, in either flush mode) and the
 * Spring baseline; and, when a baseline jar is given, {@code roomcast-baseline}: another Roomcast build (the
 * previous commit's, say) started exactly like {@code roomcast}, to compare two builds in one run.
 */
public final class Targets {
    public static final String ROOMCAST = "roomcast";
    /** Roomcast from {@code --baseline-jar}, started with the same arguments as {@link #ROOMCAST}. */
    public static final String ROOMCAST_BASELINE = "roomcast-baseline";
    public static final String CEILING_EACH = "ceiling-flush-each";
    public static final String CEILING_BATCHED = "ceiling-batched";
    public static final String SPRING = "spring";
    public static final List<String> ALL = List.of(ROOMCAST, ROOMCAST_BASELINE, CEILING_BATCHED, CEILING_EACH, SPRING);
    /**
     * The abuse limits of {@code AbuseLimitsTest}, for the abuse scenario: the other limits stay at their
     * defaults. The benign client sends under 5 a second, inside its own limit.
     */
    public static final List<String> ABUSE_LIMITS = List.of("--max-send-rate", "5", "--max-send-burst", "10",
            "--max-connections-per-ip", "3", "--max-connect-rate-per-ip", "1", "--max-connect-burst-per-ip", "5",
            "--max-rooms-per-user", "2",
            // The clients' addresses are their X-Forwarded-For: the node must trust this machine to believe it.
            "--trusted-proxies", "127.0.0.1/32");
    private static final String API_KEY = "bench-api-key-0123456789";
    /**
     * The limits of every other scenario. The generator is one client machine with a few source addresses, and
     * its fan-out publisher one connection: the abuse limits (per address, per connection) would stop the load
     * itself.
     */
    private static final List<String> BENCH_LIMITS = List.of("--max-send-rate", "0",
            "--max-connections-per-ip", "1000000", "--max-connect-rate-per-ip", "0");

    private final Path roomcastJar;
    private final Path baselineJar;
    private final Path springJar;
    private final Path benchJar;
    private final Path logDir;
    private final List<String> jvmOptions;

    public Targets(Path roomcastJar, Path springJar, Path benchJar, Path logDir, List<String> jvmOptions) {
        this(roomcastJar, null, springJar, benchJar, logDir, jvmOptions);
    }

    /** @param baselineJar the Roomcast jar of {@code roomcast-baseline}, or null for none */
    public Targets(Path roomcastJar, Path baselineJar, Path springJar, Path benchJar, Path logDir,
                   List<String> jvmOptions) {
        this.jvmOptions = List.copyOf(jvmOptions);
        this.roomcastJar = roomcastJar;
        this.baselineJar = baselineJar;
        this.springJar = springJar;
        this.benchJar = benchJar;
        this.logDir = logDir;
        for (Path jar : List.of(roomcastJar, springJar, benchJar)) {
            if (!Files.isRegularFile(jar)) {
                throw new IllegalArgumentException(jar + " is missing: build first (mvn -B -q package -DskipTests)");
            }
        }
        if (baselineJar != null && !Files.isRegularFile(baselineJar)) {
            throw new IllegalArgumentException("--baseline-jar " + baselineJar + " is missing: build the baseline "
                    + "first (git worktree add /tmp/prev HEAD~1 && (cd /tmp/prev && mvn -B -q package -DskipTests))");
        }
    }

    /** Whether {@code target} is a Roomcast build (this one or the baseline), which takes Roomcast's options. */
    public static boolean isRoomcast(String target) {
        return target.equals(ROOMCAST) || target.equals(ROOMCAST_BASELINE);
    }

    public ServerProcess start(String target) throws Exception {
        return switch (target) {
            case ROOMCAST, ROOMCAST_BASELINE -> startRoomcast(target, BENCH_LIMITS);
            case CEILING_EACH, CEILING_BATCHED -> ServerProcess.start(target, jvmOptions, List.of("-jar", benchJar.toString(),
                    "ceiling", "--port", "{port}", "--flush", target.equals(CEILING_EACH) ? "each" : "batched"),
                    "/ws", logDir);
            case SPRING -> ServerProcess.start(SPRING, jvmOptions, List.of("-jar", springJar.toString(), "--server.port={port}",
                    // Tomcat's default of 8192 connections would cap the idle scenario; any deployer raises it.
                    "--server.tomcat.max-connections=20000", "--server.tomcat.accept-count=4096"), "/ws", logDir);
            default -> throw new IllegalArgumentException("unknown target '" + target + "': use one of " + ALL);
        };
    }

    /**
     * {@code roomcast} or {@code roomcast-baseline} with {@code limits} instead of the bench's own (which
     * switch the per-address and per-connection limits off): how the abuse scenario starts it.
     */
    public ServerProcess startRoomcast(String target, List<String> limits) throws Exception {
        Path jar = switch (target) {
            case ROOMCAST -> roomcastJar;
            case ROOMCAST_BASELINE -> {
                if (baselineJar == null) {
                    throw new IllegalArgumentException("target " + ROOMCAST_BASELINE + " needs --baseline-jar PATH");
                }
                yield baselineJar;
            }
            default -> throw new IllegalArgumentException(target + " is not a Roomcast target");
        };
        return awaitReady(ServerProcess.start(target, jvmOptions, roomcast(jar, "bench", limits), "/ws", logDir));
    }

    /** A local RocketMQ (the node jar's {@code broker} command); its "port" is the NameServer's. */
    public ServerProcess startBroker() throws Exception {
        Path dir = Files.createTempDirectory("roomcast-bench-broker");
        int brokerPort = ServerProcess.freePort();
        ServerProcess broker = ServerProcess.start("broker", List.of("-Xmx256m"), List.of("-jar", roomcastJar.toString(), "broker",
                "--dir", dir.toString(), "--namesrv-port", "{port}", "--broker-port", Integer.toString(brokerPort)),
                "/", logDir);
        return broker;
    }

    /** A clustered Roomcast node on the broker's NameServer. */
    public ServerProcess startClusterNode(String id, ServerProcess broker, List<String> extraArgs) throws Exception {
        Path dataDir = Files.createTempDirectory("roomcast-bench-" + id); // not the working directory's roomcast-data
        List<String> args = new ArrayList<>(BENCH_LIMITS);
        args.addAll(List.of("--bus", "rocketmq", "--namesrv", "127.0.0.1:" + broker.port(),
                "--data-dir", dataDir.toString()));
        args.addAll(extraArgs);
        return awaitReady(ServerProcess.start("roomcast-" + id, jvmOptions, roomcast(roomcastJar, id, args), "/ws",
                logDir));
    }

    /** A Roomcast node's command line, limits apart (the caller adds its own). */
    private static List<String> roomcast(Path jar, String id, List<String> extra) {
        List<String> args = new ArrayList<>(List.of("-jar", jar.toString(), "--host", "127.0.0.1",
                "--port", "{port}", "--node-id", id, "--api-key", API_KEY,
                // The reconnect storm resumes 10k clients whose joins and leaves alone fill the default window
                // (1000 messages per partition): size it for that many clients, as such a deployment would.
                "--history-max-messages", "50000"));
        args.addAll(extra);
        return args;
    }

    /** Waits for {@code /health/ready}: a clustered node listens before its bus is ready. */
    private static ServerProcess awaitReady(ServerProcess p) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + p.port()
                        + "/health/ready")).build(), HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    return p;
                }
            } catch (java.io.IOException notYet) {
                // still starting
            }
            Thread.sleep(300);
        }
        p.close();
        throw new IllegalStateException(p.name() + " was not ready within 120 s");
    }
}
