package io.roomcast.cli;

import io.roomcast.bus.rocketmq.LocalBroker;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code roomcast broker}: a local RocketMQ NameServer and Broker for demos and development, in one small JVM
 * of its own (its jars never join the node's classpath). Ctrl-C stops it.
 */
@Command(name = "broker", mixinStandardHelpOptions = true,
        description = "Starts a local RocketMQ NameServer and Broker (one helper JVM, 128 MB heap) until Ctrl-C.")
public final class BrokerCommand implements Callable<Integer> {
    @Option(names = "--dir", defaultValue = "roomcast-data/broker", description = "Data directory. Default: ${DEFAULT-VALUE}.")
    Path dir;

    @Option(names = "--namesrv-port", defaultValue = "9876", description = "NameServer port. Default: ${DEFAULT-VALUE}.")
    int namesrvPort;

    @Option(names = "--broker-port", defaultValue = "10911", description = "Broker port (it also uses port-2 and port+1). Default: ${DEFAULT-VALUE}.")
    int brokerPort;

    @Option(names = "--broker-jar", description = "The roomcast-broker.jar to run. Default: broker/target next to this jar.")
    Path brokerJar;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Path jar = brokerJar != null ? brokerJar : LocalBroker.defaultJar();
        out.println("Starting RocketMQ (NameServer :" + namesrvPort + ", Broker :" + brokerPort + "), data in "
                + dir.toAbsolutePath());
        out.flush();
        LocalBroker broker = LocalBroker.start(jar, dir, namesrvPort, brokerPort, line -> {
            // RocketMQ's bundled logging prints its own configuration at start-up: leave that out.
            if (!line.contains("|-")) {
                out.println(line);
                out.flush();
            }
        });
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            out.println("Stopping RocketMQ (about ten seconds)...");
            out.flush();
            broker.close();
        }, "roomcast-broker-stop"));
        out.println("RocketMQ is ready. Start nodes with: --bus rocketmq --namesrv " + broker.namesrv());
        out.println("Press Ctrl-C to stop it.");
        out.flush();
        return broker.process().waitFor();
    }
}
