package io.roomcast.bench;

import io.roomcast.bench.ceiling.CeilingServer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code java -jar bench/target/roomcast-bench.jar run|ceiling|agent}. */
@Command(name = "roomcast-bench", mixinStandardHelpOptions = true,
        subcommands = {RunCommand.class, Bench.Ceiling.class, AgentCommand.class},
        description = "Roomcast's benchmark: each scenario against Roomcast and its baselines, side by side.")
public final class Bench implements Runnable {
    public static void main(String[] args) {
        System.exit(new CommandLine(new Bench()).execute(args));
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    @Command(name = "ceiling", mixinStandardHelpOptions = true,
            description = "Runs the ceiling baseline server (started by 'run'; runnable alone to poke at).")
    static final class Ceiling implements Callable<Integer> {
        @Option(names = "--host", defaultValue = "127.0.0.1")
        String host;

        @Option(names = "--port", defaultValue = "8090")
        int port;

        @Option(names = "--flush", defaultValue = "batched", description = "each | batched (once a millisecond)")
        String flush;

        @Override
        public Integer call() throws Exception {
            // As configured for production, like the Roomcast node: no sampled leak tracking.
            if (System.getProperty("io.netty.leakDetection.level") == null) {
                io.netty.util.ResourceLeakDetector.setLevel(io.netty.util.ResourceLeakDetector.Level.DISABLED);
            }
            if (!flush.equals("each") && !flush.equals("batched")) {
                throw new CommandLine.ParameterException(new CommandLine(this),
                        "--flush: expected 'each' or 'batched', got '" + flush + "'");
            }
            try (CeilingServer server = new CeilingServer(host, port, flush.equals("batched"))) {
                System.out.println("ceiling (" + flush + ") listening on port " + server.port());
                new CountDownLatch(1).await();
            }
            return 0;
        }
    }
}
