package io.roomcast.cli;

import io.roomcast.config.ConfigSources;
import io.roomcast.config.Settings;
import io.roomcast.failure.FatalErrors;
import io.roomcast.node.Node;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code roomcast}: runs one node until SIGTERM or Ctrl-C. */
@Command(name = "roomcast", mixinStandardHelpOptions = true, versionProvider = RoomcastCommand.Version.class,
        subcommands = {TokenCommand.class, BrokerCommand.class},
        description = {"A WebSocket (STOMP 1.2) gateway for live chat and voice rooms.", "",
                "Every setting can also come from an environment variable (--max-frame-bytes is "
                        + ConfigSources.ENV_PREFIX + "MAX_FRAME_BYTES) or from the YAML file given with --config"
                        + " (max-frame-bytes: 65536). A flag wins over the environment, which wins over the file.", ""},
        sortOptions = false)
public final class RoomcastCommand implements Callable<Integer> {
    @Mixin
    Settings settings;

    @Spec
    CommandLine.Model.CommandSpec spec;

    /** The settings as parsed; valid after picocli has parsed the arguments. */
    public Settings settings() {
        return settings;
    }

    @Override
    public Integer call() throws Exception {
        LogFormats.apply(settings.logFormat);
        settings.validate();
        Node node = new Node(settings, Node.busFor(settings)).start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> drainWithin(node, stopped), "roomcast-shutdown"));
        var out = spec.commandLine().getOut();
        out.println("Roomcast " + Node.VERSION + " node " + node.id() + " listening on port " + node.port());
        out.println("  WebSocket (STOMP):  ws://" + displayHost() + ":" + node.port() + "/ws");
        out.println("  HTTP API:           http://" + displayHost() + ":" + node.port() + "/api");
        if (node.monitoringPort() != null) {
            out.println("  Metrics:            http://" + displayHost() + ":" + node.monitoringPort() + "/metrics");
        }
        if (node.apiKeyGenerated()) {
            out.println("  API key (generated, pass --api-key to choose one): " + node.apiKey());
        }
        out.flush();
        stopped.await();
        return 0;
    }

    /**
     * SIGTERM: drains, and ends the process at the drain timeout whatever state the drain is in, so that a stuck
     * client, bus or loop can't keep a stopping node alive.
     */
    private void drainWithin(Node node, CountDownLatch stopped) {
        Thread watchdog = new Thread(() -> {
            try {
                Thread.sleep(settings.drainTimeout.toMillis());
                System.err.println("roomcast: the drain did not finish within --drain-timeout; exiting");
                Runtime.getRuntime().halt(1);
            } catch (InterruptedException finished) {
                // the drain ended in time
            }
        }, "roomcast-drain-deadline");
        watchdog.setDaemon(true);
        watchdog.start();
        try {
            node.drain();
        } catch (RuntimeException | Error e) {
            FatalErrors.haltIfFatal(e);
            System.err.println("roomcast: drain failed: " + e);
        } finally {
            watchdog.interrupt();
            stopped.countDown();
        }
    }

    private String displayHost() {
        return settings.host.equals("0.0.0.0") ? "localhost" : settings.host;
    }

    /** Reads the version from the jar manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"Roomcast " + Node.VERSION};
        }
    }
}
