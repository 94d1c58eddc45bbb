package io.roomcast.broker;

import org.apache.rocketmq.broker.BrokerController;
import org.apache.rocketmq.common.BrokerConfig;
import org.apache.rocketmq.common.MQVersion;
import org.apache.rocketmq.common.namesrv.NamesrvConfig;
import org.apache.rocketmq.namesrv.NamesrvController;
import org.apache.rocketmq.remoting.netty.NettyClientConfig;
import org.apache.rocketmq.remoting.netty.NettyServerConfig;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;
import org.apache.rocketmq.store.config.FlushDiskType;
import org.apache.rocketmq.store.config.MessageStoreConfig;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A RocketMQ NameServer and Broker running in this JVM, with everything they write under one directory and
 * small settings (16 MiB commit-log files, no timer wheel). Start-up takes a few seconds and shutdown about
 * ten, so tests share one per run.
 *
 * <p>Not thread-safe; start and close from one thread.
 */
public final class EmbeddedBroker implements AutoCloseable {
    /** The topic every broker knows from start-up; its route proves the broker has registered. */
    private static final String DEFAULT_TOPIC = "TBW102";

    private final NamesrvController namesrv;
    private final BrokerController broker;
    private final String namesrvAddress;
    private final int brokerPort;
    private final Path dir;

    private EmbeddedBroker(NamesrvController namesrv, BrokerController broker, String namesrvAddress,
                           int brokerPort, Path dir) {
        this.namesrv = namesrv;
        this.broker = broker;
        this.namesrvAddress = namesrvAddress;
        this.brokerPort = brokerPort;
        this.dir = dir;
    }

    /**
     * Starts a NameServer and a Broker on loopback.
     *
     * @param dir          where the store, configs and logs go; created if missing
     * @param namesrvPort  the NameServer port, or 0 for a free one
     * @param brokerPort   the Broker port, or 0 for a free one (the broker also uses port - 2 and port + 1)
     */
    public static EmbeddedBroker start(Path dir, int namesrvPort, int brokerPort) throws Exception {
        // Embedded code must set this itself (NamesrvStartup and BrokerStartup do); without it the broker
        // registers with no topics.
        System.setProperty(RemotingCommand.REMOTING_VERSION_KEY, Integer.toString(MQVersion.CURRENT_VERSION));
        // Answer in RocketMQ's binary header encoding rather than JSON, as the nodes ask (their RemotingHeaders):
        // the broker answers every send and every pull (see docs/rocketmq-bus.md#remotingheaders-binary-headers).
        // Read once into a static field, so set before the first RemotingCommand; an operator's wins.
        if (System.getProperty(RemotingCommand.SERIALIZE_TYPE_PROPERTY) == null
                && System.getenv(RemotingCommand.SERIALIZE_TYPE_ENV) == null) {
            System.setProperty(RemotingCommand.SERIALIZE_TYPE_PROPERTY, "ROCKETMQ");
        }
        Files.createDirectories(dir);
        int nsPort = namesrvPort != 0 ? namesrvPort : freePort();
        int bPort = brokerPort != 0 ? brokerPort : freeBrokerPort();

        NamesrvConfig nsConfig = new NamesrvConfig();
        nsConfig.setRocketmqHome(dir.toString());
        nsConfig.setKvConfigPath(dir.resolve("namesrv/kvConfig.json").toString());
        nsConfig.setConfigStorePath(dir.resolve("namesrv/namesrv.properties").toString());
        NettyServerConfig nsServer = new NettyServerConfig();
        nsServer.setBindAddress("127.0.0.1");
        nsServer.setListenPort(nsPort);
        NamesrvController namesrv = new NamesrvController(nsConfig, nsServer, new NettyClientConfig());
        if (!namesrv.initialize()) {
            throw new IllegalStateException("NameServer failed to initialize");
        }
        namesrv.start();
        String address = "127.0.0.1:" + nsPort;

        BrokerConfig brokerConfig = new BrokerConfig();
        brokerConfig.setRocketmqHome(dir.toString());
        brokerConfig.setBrokerName("roomcast-local");
        brokerConfig.setBrokerClusterName("roomcast-local");
        brokerConfig.setBrokerIP1("127.0.0.1");
        brokerConfig.setNamesrvAddr(address);
        brokerConfig.setAutoCreateTopicEnable(true);
        NettyServerConfig brokerServer = new NettyServerConfig();
        brokerServer.setBindAddress("127.0.0.1");
        brokerServer.setListenPort(bPort);
        // No separate "codec" thread group and no copy through the heap: a local broker serves a few nodes, so a
        // selector thread decodes their requests as fast without a thread switch, and pulled messages go from the
        // page cache to the socket. Both are broker.conf settings an operator's broker can use too (see
        // docs/rocketmq-bus.md#embeddedbroker-no-codec-threads-no-heap-copy).
        brokerServer.setServerNettyWorkerGroupEnable(false);
        brokerConfig.setTransferMsgByHeap(false);
        MessageStoreConfig store = new MessageStoreConfig();
        store.setStorePathRootDir(dir.resolve("store").toString());
        store.setStorePathCommitLog(dir.resolve("store/commitlog").toString());
        store.setMappedFileSizeCommitLog(16 * 1024 * 1024);
        store.setMappedFileSizeConsumeQueue(30_000 * 20);
        store.setHaListenPort(bPort + 1);
        store.setFlushDiskType(FlushDiskType.ASYNC_FLUSH);
        store.setTimerWheelEnable(false);
        BrokerController broker = new BrokerController(brokerConfig, brokerServer, new NettyClientConfig(), store);
        if (!broker.initialize()) {
            namesrv.shutdown();
            throw new IllegalStateException("Broker failed to initialize (store at " + dir + ")");
        }
        broker.start();
        EmbeddedBroker embedded = new EmbeddedBroker(namesrv, broker, address, bPort, dir);
        embedded.awaitRegistration();
        return embedded;
    }

    /** The broker's first registration can be skipped when it starts fast; register until the route shows. */
    private void awaitRegistration() throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < deadline) {
            try {
                if (broker.getBrokerOuterAPI().getTopicRouteInfoFromNameServer(DEFAULT_TOPIC, 3000) != null) {
                    return;
                }
            } catch (Exception notYet) {
                // No route yet.
            }
            broker.registerBrokerAll(true, false, true);
            Thread.sleep(200);
        }
        throw new IllegalStateException("the broker did not register with the NameServer within 30 s");
    }

    public String namesrvAddress() {
        return namesrvAddress;
    }

    public int brokerPort() {
        return brokerPort;
    }

    public Path dir() {
        return dir;
    }

    @Override
    public void close() {
        broker.shutdown();
        namesrv.shutdown();
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            return s.getLocalPort();
        }
    }

    /** A port P such that P, P - 2 (the broker's "fast" server) and P + 1 (HA) are all free. */
    static int freeBrokerPort() {
        for (int attempt = 0; attempt < 200; attempt++) {
            int p = 20_000 + ThreadLocalRandom.current().nextInt(20_000);
            if (isFree(p) && isFree(p - 2) && isFree(p + 1)) {
                return p;
            }
        }
        throw new IllegalStateException("no free port triple for the broker after 200 attempts");
    }

    private static boolean isFree(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress("127.0.0.1", port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
