package io.roomcast.cli;

import io.roomcast.config.ConfigSources;
import io.roomcast.config.Settings;
import io.roomcast.node.Node;
import io.roomcast.transport.RoomcastServer;
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
        Node node = new Node(settings, Node.busFor(settings));
        RoomcastServer server = new RoomcastServer(node).start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.drain();
            stopped.countDown();
        }, "roomcast-shutdown"));
        var out = spec.commandLine().getOut();
        out.println("Roomcast " + Node.VERSION + " node " + node.id() + " listening on port " + server.port());
        out.println("  WebSocket (STOMP):  ws://" + displayHost() + ":" + server.port() + "/ws");
        out.println("  HTTP API:           http://" + displayHost() + ":" + server.port() + "/api");
        if (node.apiKeyGenerated()) {
            out.println("  API key (generated, pass --api-key to choose one): " + node.apiKey());
        }
        out.flush();
        stopped.await();
        return 0;
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
