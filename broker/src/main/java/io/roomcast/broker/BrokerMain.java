package io.roomcast.broker;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * {@code java -jar roomcast-broker.jar [--dir DIR] [--namesrv-port 9876] [--broker-port 10911]}: a local
 * RocketMQ until Ctrl-C or SIGTERM. Prints "roomcast-broker ready" with the NameServer address once clients
 * can use it.
 */
public final class BrokerMain {
    private BrokerMain() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = null;
        int namesrvPort = 9876;
        int brokerPort = 10911;
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--dir" -> dir = Path.of(require(args[i], value));
                case "--namesrv-port" -> namesrvPort = port(args[i], require(args[i], value));
                case "--broker-port" -> brokerPort = port(args[i], require(args[i], value));
                default -> fail("unknown option '" + args[i] + "' (use --dir, --namesrv-port, --broker-port)");
            }
            i++;
        }
        if (dir == null) {
            dir = Files.createTempDirectory("roomcast-broker-");
        }
        EmbeddedBroker broker = EmbeddedBroker.start(dir, namesrvPort, brokerPort);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("roomcast-broker stopping");
            broker.close();
            stopped.countDown();
        }, "roomcast-broker-stop"));
        System.out.println("roomcast-broker ready: namesrv " + broker.namesrvAddress() + ", broker port "
                + broker.brokerPort() + ", data in " + dir);
        System.out.flush();
        stopped.await();
    }

    private static String require(String option, String value) {
        if (value == null) {
            fail(option + " needs a value");
        }
        return value;
    }

    private static int port(String option, String value) {
        try {
            int p = Integer.parseInt(value);
            if (p >= 0 && p <= 65535) {
                return p;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        fail(option + ": '" + value + "' is not a port");
        return -1;
    }

    private static void fail(String message) {
        System.err.println("roomcast-broker: " + message);
        System.exit(2);
    }
}
