package io.roomcast.bench.servers;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A server under test in its own JVM, so that its RSS and CPU time can be read from {@code /proc} and nothing
 * of the generator counts against it. Every server of a run gets the same JVM options.
 */
public final class ServerProcess implements AutoCloseable {
    /**
     * The default for every server; whatever is chosen, all servers get the same, to compare like with like. The
     * heap free ratios let G1 give memory back after a collection, as a server holding idle sockets wants: without
     * them the young generation's high-water mark stays resident (measured: 6.7 instead of 4.1 KiB per idle
     * Roomcast connection at 15k).
     */
    public static final String DEFAULT_JVM_OPTIONS =
            "-Xms64m -Xmx1g -XX:+UseG1GC -XX:MinHeapFreeRatio=5 -XX:MaxHeapFreeRatio=10 -XX:+ExitOnOutOfMemoryError";

    private final String name;
    private final Process process;
    private final int port;
    private final String wsPath;

    private ServerProcess(String name, Process process, int port, String wsPath) {
        this.name = name;
        this.process = process;
        this.port = port;
        this.wsPath = wsPath;
    }

    /**
     * Starts {@code java <JVM_OPTIONS> <args>} with {@code {port}} in the arguments replaced by a free port, and
     * waits until that port accepts connections.
     */
    public static ServerProcess start(String name, List<String> jvmOptions, List<String> args, String wsPath,
                                      Path logDir) throws Exception {
        int port = freePort();
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String option : jvmOptions) {
            cmd.add(option.replace("{name}", name)); // one JFR file per process: filename=/tmp/{name}.jfr
        }
        for (String a : args) {
            cmd.add(a.replace("{port}", Integer.toString(port)));
        }
        Files.createDirectories(logDir);
        Path log = logDir.resolve(name + ".log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new IllegalStateException(name + " exited at start-up; see " + log);
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 500);
                return new ServerProcess(name, p, port, wsPath);
            } catch (IOException notYet) {
                Thread.sleep(200);
            }
        }
        p.destroyForcibly();
        throw new IllegalStateException(name + " did not open port " + port + " within 90 s; see " + log);
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    public String name() {
        return name;
    }

    public long pid() {
        return process.pid();
    }

    public int port() {
        return port;
    }

    public URI ws() {
        return URI.create("ws://127.0.0.1:" + port + wsPath);
    }

    /** The server's JVM: the process, or the JVM it started (the broker command runs the broker in its own). */
    public ProcStats stats() {
        return new ProcStats(process.descendants()
                .filter(child -> child.info().command().map(c -> c.endsWith("/java")).orElse(false))
                .findFirst().orElse(process.toHandle()).pid());
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
