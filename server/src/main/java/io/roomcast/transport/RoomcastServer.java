package io.roomcast.transport;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.roomcast.delivery.Outbound;
import io.roomcast.failure.FatalErrors;
import io.roomcast.metrics.LoopProbe;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * The node's sockets: binds the port (and the monitoring port, when set), owns the event loops, and closes
 * it all within a bound. The real ports are known after {@link #start}, also when the settings asked for 0.
 */
public final class RoomcastServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RoomcastServer.class);

    private final TransportContext node;
    private final ChannelGroup channels = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private EventLoopGroup boss;
    private EventLoopGroup workers;
    private Channel serverChannel;
    private Channel monitoringChannel;
    private LoopProbe probe;
    private boolean epoll;

    public RoomcastServer(TransportContext node) {
        this.node = node;
    }

    public RoomcastServer start() throws InterruptedException {
        epoll = Epoll.isAvailable();
        int threads = Runtime.getRuntime().availableProcessors();
        boss = group(1, FatalErrors.eventLoopThreads("roomcast-accept"));
        workers = group(threads, FatalErrors.eventLoopThreads("roomcast-loop"));
        serverChannel = bind(node.settings().port, new RoomcastInitializer(node, node.api(), channels));
        if (node.monitoring() != null) {
            monitoringChannel = bind(node.settings().metricsPort,
                    new RoomcastInitializer(node, node.monitoring(), channels));
        }
        probe = LoopProbe.start(boss, workers, node.metrics(), node.settings().loopStallTimeout);
        boss.scheduleAtFixedRate(node.sweep(), 10, 10, TimeUnit.SECONDS);
        return this;
    }

    private EventLoopGroup group(int threads, ThreadFactory factory) {
        return epoll ? new EpollEventLoopGroup(threads, factory) : new NioEventLoopGroup(threads, factory);
    }

    private Channel bind(int port, RoomcastInitializer initializer) throws InterruptedException {
        Class<? extends ServerChannel> channelClass = epoll ? EpollServerSocketChannel.class
                : NioServerSocketChannel.class;
        int budget = node.budget().bytes();
        return new ServerBootstrap()
                .group(boss, workers)
                .channel(channelClass)
                .option(ChannelOption.SO_BACKLOG, 4096)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                // The connection's budget and half of it: Netty then tells the outbound when a backed-up
                // connection has drained enough to be read again.
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(budget / 2, budget))
                .childHandler(initializer)
                .bind(node.settings().host, port).sync().channel();
    }

    /** The main port actually bound. */
    public int port() {
        return ((InetSocketAddress) serverChannel.localAddress()).getPort();
    }

    /** The monitoring port actually bound, or null when there is none. */
    public Integer monitoringPort() {
        return monitoringChannel == null ? null : ((InetSocketAddress) monitoringChannel.localAddress()).getPort();
    }

    /** "epoll" or "nio". */
    public String transportName() {
        return epoll ? "epoll" : "nio";
    }

    /** Why the event loops can't take traffic now (one is stalled), or null. */
    public String stalled() {
        return probe == null ? null : probe.stalled();
    }

    /** Stops accepting connections; those open stay. */
    public void stopAccepting() {
        if (serverChannel != null) {
            serverChannel.close().syncUninterruptibly();
        }
    }

    /**
     * The end of a drain: every connection still open is told 1012 (WebSocket) or closed (HTTP), and those
     * that have not gone within {@code wait} are cut.
     */
    public void closeConnections(Duration wait) {
        for (Channel ch : channels) {
            if (ch.pipeline().get("session") != null) {
                Outbound.of(ch).restart("node restarting");
            } else {
                ch.close();
            }
        }
        if (!channels.newCloseFuture().awaitUninterruptibly(wait.toMillis())) {
            channels.close().awaitUninterruptibly(1000);
        }
    }

    /** Closes the ports and stops the event loops, giving them at most a few seconds. */
    @Override
    public void close() {
        if (serverChannel != null) {
            serverChannel.close().awaitUninterruptibly(1000);
        }
        if (monitoringChannel != null) {
            monitoringChannel.close().awaitUninterruptibly(1000);
        }
        if (workers != null) {
            boolean stopped = workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(4000)
                    & boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(2000);
            if (!stopped) {
                log.warn("event loops did not stop within their deadline; exiting regardless");
            }
        }
    }
}
