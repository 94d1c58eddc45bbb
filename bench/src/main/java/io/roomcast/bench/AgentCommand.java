package io.roomcast.bench;

import io.roomcast.bench.load.BenchClient;
import io.roomcast.bench.load.LoadGenerator;
import io.roomcast.bench.load.Progress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.net.URI;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * One generator process of several ({@code Agents} starts them): opens idle subscribed connections, says on
 * stdout how far it got, and holds them until its stdin closes. One process can't hold more than
 * {@link LoadGenerator#MAX_PER_PROCESS} sockets under the 20k open-file cap; several can.
 *
 * <p>Its stdout protocol: {@code progress <n>} now and then, then {@code ready <n> <nanos>} (connections and
 * the time they took), or {@code failed <reason>}.
 */
@Command(name = "agent", mixinStandardHelpOptions = true,
        description = "Holds idle subscribed connections for a run that needs more than one process.")
final class AgentCommand implements Callable<Integer> {
    @Option(names = "--url", required = true, description = "ws://host:port/ws")
    URI url;

    @Option(names = "--count", required = true)
    int count;

    @Option(names = "--first", defaultValue = "0", description = "Number of the first connection (logins and rooms).")
    int first;

    @Option(names = "--room-size", defaultValue = "10")
    int roomSize;

    @Option(names = "--in-flight", defaultValue = "200")
    int inFlight;

    @Option(names = "--threads", defaultValue = "1")
    int threads;

    @Option(names = "--source-addresses", defaultValue = "2")
    int sourceAddresses;

    @Option(names = "--first-source", defaultValue = "0")
    int firstSource;

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        try (LoadGenerator generator = new LoadGenerator(threads, sourceAddresses, firstSource)) {
            List<BenchClient> clients;
            long start = System.nanoTime();
            try (Progress p = new Progress(new PrintStream(PrintStream.nullOutputStream()), "agent", count, () -> "")) {
                Thread reporter = new Thread(() -> {
                    while (!Thread.currentThread().isInterrupted()) {
                        out.println("progress " + p.count());
                        out.flush();
                        try {
                            Thread.sleep(500);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                }, "agent-progress");
                reporter.setDaemon(true);
                reporter.start();
                try {
                    clients = generator.openIdle(url, "idle-", first, count, roomSize, inFlight, p);
                } finally {
                    reporter.interrupt();
                }
            } catch (Exception e) {
                out.println("failed " + e.getMessage());
                out.flush();
                return 1;
            }
            out.println("ready " + clients.size() + " " + (System.nanoTime() - start));
            out.flush();
            // Hold them until the run is done with them: it closes our stdin.
            while (System.in.read() != -1) {
                // nothing to read; EOF ends the hold
            }
            clients.forEach(BenchClient::close);
        }
        return 0;
    }
}
