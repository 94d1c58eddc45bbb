package io.roomcast.bench.load;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;

import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * Opens many STOMP-over-WebSocket connections from one process. Connections are spread over several loopback
 * source addresses (127.0.0.2, 127.0.0.3, ...), each with its own ~28k ephemeral ports, so the port range is
 * never the limit; the process's open-file cap (20k here) is, and {@link #MAX_PER_PROCESS} stays under it.
 */
public final class LoadGenerator implements AutoCloseable {
    public static final int MAX_PER_PROCESS = 19_000;

    private final EventLoopGroup group;
    private final Bootstrap bootstrap;
    private final List<InetSocketAddress> sources = new ArrayList<>();
    private final AtomicInteger next = new AtomicInteger();

    public LoadGenerator(int threads, int sourceAddresses) {
        this(threads, sourceAddresses, 0);
    }

    /**
     * @param firstSource the first source address is 127.0.0.(2 + firstSource): generator processes started
     *                    together take different ones, so that each address's ephemeral ports go further
     */
    public LoadGenerator(int threads, int sourceAddresses, int firstSource) {
        boolean epoll = Epoll.isAvailable();
        group = epoll ? new EpollEventLoopGroup(threads) : new NioEventLoopGroup(threads);
        bootstrap = new Bootstrap().group(group)
                .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000);
        for (int i = 0; i < sourceAddresses; i++) {
            sources.add(new InetSocketAddress("127.0.0." + (2 + (firstSource + i) % 250), 0));
        }
    }

    /** Opens one client; the future completes on CONNECTED. */
    public CompletableFuture<BenchClient> open(URI ws, String login, ClientListener listener, boolean trackPositions) {
        return open(ws, login, listener, trackPositions, Map.of());
    }

    /**
     * Opens one client whose upgrade request carries {@code headers} as well (an {@code X-Forwarded-For} to
     * come from an address of its own, an {@code Origin}); the future completes on CONNECTED, or fails with the
     * handshake's refusal ({@link io.netty.handler.codec.http.websocketx.WebSocketClientHandshakeException}, its
     * response's status) or an ERROR frame.
     */
    public CompletableFuture<BenchClient> open(URI ws, String login, ClientListener listener, boolean trackPositions,
                                               Map<String, String> headers) {
        BenchClient client = new BenchClient(login, listener, trackPositions);
        DefaultHttpHeaders custom = new DefaultHttpHeaders();
        headers.forEach(custom::add);
        WebSocketClientProtocolConfig config = WebSocketClientProtocolConfig.newBuilder()
                .webSocketUri(ws).subprotocol("v12.stomp").version(WebSocketVersion.V13)
                .customHeaders(custom).maxFramePayloadLength(1 << 20)
                .handshakeTimeoutMillis(20_000).dropPongFrames(true).build();
        Bootstrap b = bootstrap.clone().handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(8192),
                        new WebSocketClientProtocolHandler(config), client);
            }
        });
        InetSocketAddress source = sources.get(Math.floorMod(next.getAndIncrement(), sources.size()));
        ChannelFuture f = b.connect(new InetSocketAddress(ws.getHost(), ws.getPort()), source);
        f.addListener(done -> {
            if (!done.isSuccess()) {
                client.connectedFuture().completeExceptionally(done.cause());
            }
        });
        return client.connectedFuture();
    }

    /**
     * Opens {@code count} clients with at most {@code inFlight} handshakes at a time, calling {@code ready} on
     * each as soon as it is connected (to subscribe, for example).
     *
     * @return the clients, in order; fails if any fails
     */
    public List<BenchClient> openMany(URI ws, int count, int inFlight, IntFunction<String> login,
                                      ClientListener listener, boolean trackPositions,
                                      java.util.function.ObjIntConsumer<BenchClient> ready,
                                      Progress progress) throws Exception {
        if (count > MAX_PER_PROCESS) {
            throw new IllegalArgumentException(count + " connections exceed one process's file limit ("
                    + MAX_PER_PROCESS + ")");
        }
        Semaphore permits = new Semaphore(inFlight);
        List<CompletableFuture<BenchClient>> futures = new ArrayList<>(count);
        // A server that accepts fewer than 100 connections a second (one thrashing in GC, say) has failed.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60 + count / 100);
        for (int i = 0; i < count; i++) {
            if (System.nanoTime() > deadline) {
                futures.forEach(f -> f.thenAccept(BenchClient::close));
                throw new IllegalStateException("connections too slow: " + i + " of " + count + " in "
                        + (60 + count / 100) + " s");
            }
            if (!permits.tryAcquire(20, TimeUnit.SECONDS)) {
                throw new IllegalStateException("connections stalled: no handshake completed for 20 s, at " + i
                        + " of " + count);
            }
            int index = i;
            CompletableFuture<BenchClient> f = open(ws, login.apply(i), listener, trackPositions);
            futures.add(f.whenComplete((c, e) -> {
                permits.release();
                if (e == null) {
                    ready.accept(c, index);
                    progress.add(1);
                }
            }));
        }
        List<BenchClient> clients = new ArrayList<>(count);
        try {
            for (CompletableFuture<BenchClient> f : futures) {
                clients.add(f.get(30, TimeUnit.SECONDS));
            }
        } catch (Exception e) {
            // Close what did connect: a failed scenario must not leave thousands of sockets behind.
            futures.forEach(f -> f.thenAccept(BenchClient::close));
            throw e;
        }
        return clients;
    }

    /**
     * Opens {@code count} idle clients numbered from {@code first}, logged in as {@code <prefix><n>}, each
     * subscribed to room {@code <prefix><n / roomSize>}: the idle load of the memory and connect-rate runs.
     */
    public List<BenchClient> openIdle(URI ws, String prefix, int first, int count, int roomSize, int inFlight,
                                      Progress progress) throws Exception {
        return openMany(ws, count, inFlight, i -> prefix + (first + i), ClientListener.NONE, false, (c, i) -> c.send(
                Frames.subscribe("room", "/topic/room." + prefix + (first + i) / roomSize, null, null)), progress);
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
