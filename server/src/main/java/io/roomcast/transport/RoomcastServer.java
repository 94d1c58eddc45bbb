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
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.roomcast.metrics.LoopProbe;
import io.roomcast.node.Node;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.roomcast.session.Session;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;
import io.roomcast.session.Channels;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.ChannelFutureListener;

/**
 * A running node: binds the port, owns the event loops. Use {@link #start} and {@link #close}; the real port
 * is known after start, also when the settings asked for port 0.
 */
public final class RoomcastServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RoomcastServer.class);

    private final Node node;
    private EventLoopGroup boss;
    private EventLoopGroup workers;
    private Channel serverChannel;
    private final ChannelGroup channels =
            new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);

    public RoomcastServer(Node node) {
        this.node = node;
    }

    public RoomcastServer start() throws Exception {
        node.start();
        boolean epoll = Epoll.isAvailable();
        Class<? extends ServerChannel> channelClass = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        int threads = Runtime.getRuntime().availableProcessors();
        boss = epoll ? new EpollEventLoopGroup(1) : new NioEventLoopGroup(1);
        workers = epoll ? new EpollEventLoopGroup(threads) : new NioEventLoopGroup(threads);
        int queue = node.settings().outboundQueueBytes;
        serverChannel = new ServerBootstrap()
                .group(boss, workers)
                .channel(channelClass)
                .option(ChannelOption.SO_BACKLOG, 4096)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                // The high-water mark is the per-session outbound limit: past it the session is a slow consumer.
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(queue / 2, queue))
                .childHandler(new RoomcastInitializer(node, channels))
                .bind(node.settings().host, node.settings().port).sync().channel();
        LoopProbe.start(boss, workers, node.metrics());
        // Forget client addresses that have no connection left and whose connect rate has recovered.
        boss.scheduleAtFixedRate(node.connectionLimits()::sweep, 10, 10, TimeUnit.SECONDS);
        log.info("node {} listening on {}:{} (transport {}, bus {}, auth {})", node.id(), node.settings().host,
                port(), epoll ? "epoll" : "nio", node.bus().name(), node.settings().auth);
        return this;
    }

    /** The port actually bound. */
    public int port() {
        return ((InetSocketAddress) serverChannel.localAddress()).getPort();
    }

    public Node node() {
        return node;
    }

    /**
     * A graceful stop (SIGTERM): not ready at once, no new connections, every connection closed with 1012
     * spread over the drain period, the cluster told, then the rest of {@link #close}. Returns within the
     * drain timeout.
     */
    public void drain() {
        long deadline = System.nanoTime() + node.settings().drainTimeout.toNanos();
        node.draining(true);
        if (serverChannel != null) {
            serverChannel.close().syncUninterruptibly();
        }
        List<Session> sessions = node.sessions().all();
        long period = node.settings().drainPeriod.toMillis();
        log.info("draining: closing {} connections over {} ms", sessions.size(), period);
        for (int i = 0; i < sessions.size(); i++) {
            long at = sessions.size() <= 1 ? 0 : period * i / (sessions.size() - 1);
            Session session = sessions.get(i);
            session.channel().eventLoop().schedule(() -> session.restart("node " + node.id() + " is restarting;"
                    + " reconnect and resume"), at, TimeUnit.MILLISECONDS);
        }
        while (node.sessions().count() > 0 && System.nanoTime() < deadline - TimeUnit.SECONDS.toNanos(2)) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        // Connections still in their handshake or before CONNECT were not sessions yet: they get 1012 too.
        for (Channel ch : channels) {
            if (Boolean.TRUE.equals(ch.attr(Channels.UPGRADED).get())) {
                ch.writeAndFlush(new CloseWebSocketFrame(
                        WebSocketCloseStatus.SERVICE_RESTART, "node restarting"))
                        .addListener(ChannelFutureListener.CLOSE);
            } else {
                ch.close();
            }
        }
        channels.newCloseFuture().awaitUninterruptibly(1000);
        log.info("drained; {} connections left", node.sessions().count());
        close();
    }

    @Override
    public void close() {
        node.draining(true);
        node.leaveCluster();
        if (serverChannel != null) {
            serverChannel.close().syncUninterruptibly();
        }
        if (workers != null) {
            workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
            boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
        node.bus().close();
    }
}
