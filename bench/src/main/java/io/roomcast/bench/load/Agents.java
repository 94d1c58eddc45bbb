package io.roomcast.bench.load;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Several generator processes ({@code roomcast-bench agent}) holding idle connections together, for counts one
 * process's 20k open-file cap can't hold. Each gets an equal share, its own connection numbers and its own
 * loopback source addresses; their progress adds up in one {@link Progress}. {@link #close} closes their stdin,
 * which makes them close their connections and exit.
 */
public final class Agents implements AutoCloseable {
    private final List<Process> processes = new ArrayList<>();
    private final List<CompletableFuture<long[]>> ready = new ArrayList<>();

    /**
     * @param command the command that runs the bench's main class, such as {@code java -jar roomcast-bench.jar}
     * @param first   the number of the first connection (logins {@code idle-<n>}, rooms of ten)
     */
    public static Agents start(List<String> command, URI ws, int first, int total, int processes, Progress progress)
            throws IOException {
        Agents agents = new Agents();
        int perProcess = (total + processes - 1) / processes;
        if (perProcess > LoadGenerator.MAX_PER_PROCESS) {
            throw new IllegalArgumentException(total + " connections need more than " + processes + " processes ("
                    + LoadGenerator.MAX_PER_PROCESS + " each at most)");
        }
        int from = first;
        for (int a = 0; a < processes && from < first + total; a++) {
            int count = Math.min(perProcess, first + total - from);
            List<String> cmd = new ArrayList<>(command);
            cmd.addAll(List.of("agent", "--url", ws.toString(), "--count", Integer.toString(count),
                    "--first", Integer.toString(from), "--first-source", Integer.toString(4 * a)));
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            agents.processes.add(p);
            agents.ready.add(follow(p, progress));
            from += count;
        }
        return agents;
    }

    /** Reads one agent's stdout: adds its progress, completes with {connections, nanos} on "ready". */
    private static CompletableFuture<long[]> follow(Process p, Progress progress) {
        CompletableFuture<long[]> done = new CompletableFuture<>();
        AtomicLong reported = new AtomicLong();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    String[] w = line.split(" ", 3);
                    switch (w[0]) {
                        case "progress" -> {
                            long n = Long.parseLong(w[1]);
                            progress.add(n - reported.getAndSet(n));
                        }
                        case "ready" -> {
                            long n = Long.parseLong(w[1]);
                            progress.add(n - reported.getAndSet(n));
                            done.complete(new long[] {n, Long.parseLong(w[2])});
                        }
                        case "failed" -> done.completeExceptionally(new IllegalStateException("agent failed: "
                                + (w.length > 1 ? line.substring(7) : "")));
                        default -> {
                        }
                    }
                }
            } catch (IOException | RuntimeException e) {
                done.completeExceptionally(e);
            }
            done.completeExceptionally(new IllegalStateException("agent exited before it was ready"));
        }, "agent-reader");
        reader.setDaemon(true);
        reader.start();
        return done;
    }

    /**
     * Waits until every agent holds its connections.
     *
     * @return connections per second over all agents: the total over the slowest agent's time
     */
    public double awaitReady(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        long total = 0;
        long slowest = 1;
        for (CompletableFuture<long[]> f : ready) {
            long[] r = f.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            total += r[0];
            slowest = Math.max(slowest, r[1]);
        }
        return total / (slowest / 1e9);
    }

    @Override
    public void close() {
        for (Process p : processes) {
            try {
                p.getOutputStream().close();
            } catch (IOException ignored) {
                // it is going anyway
            }
        }
        for (Process p : processes) {
            try {
                if (!p.waitFor(30, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }
}
