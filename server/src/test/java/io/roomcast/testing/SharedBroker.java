package io.roomcast.testing;

import io.roomcast.bus.rocketmq.LocalBroker;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One RocketMQ (NameServer and Broker, its own process) for the whole test run: it takes seconds to start
 * and about ten to stop, so it is started on first use and stopped when the test JVM exits.
 */
public final class SharedBroker {
    private static LocalBroker broker;

    private SharedBroker() {
    }

    public static synchronized LocalBroker get() {
        if (broker == null) {
            try {
                Path dir = Files.createTempDirectory("roomcast-test-broker");
                broker = LocalBroker.start(LocalBroker.defaultJar(), dir, 0, 0, line -> { });
                LocalBroker started = broker;
                Runtime.getRuntime().addShutdownHook(new Thread(() -> started.process().destroy()));
            } catch (Exception e) {
                throw new IllegalStateException("could not start RocketMQ for the tests", e);
            }
        }
        return broker;
    }
}
