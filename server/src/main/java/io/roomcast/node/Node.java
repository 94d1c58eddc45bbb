package io.roomcast.node;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.roomcast.access.ConnectProxy;
import io.roomcast.access.JoinProxy;
import io.roomcast.auth.InsecureAuthenticator;
import io.roomcast.auth.JwtAuthenticator;
import io.roomcast.auth.JwtKeys;
import io.roomcast.auth.PemKeys;
import io.roomcast.bus.Bus;
import io.roomcast.bus.Envelope;
import io.roomcast.bus.Position;
import io.roomcast.bus.Published;
import io.roomcast.bus.Stream;
import io.roomcast.bus.memory.MemoryBus;
import io.roomcast.bus.rocketmq.LegacyTopicBridge;
import io.roomcast.bus.rocketmq.RocketMqBus;
import io.roomcast.bus.rocketmq.RocketMqBusConfig;
import io.roomcast.cluster.Cluster;
import io.roomcast.config.ConfigException;
import io.roomcast.config.Settings;
import io.roomcast.delivery.Dispatcher;
import io.roomcast.delivery.Outbound;
import io.roomcast.history.HistoryWindow;
import io.roomcast.history.Recovery;
import io.roomcast.http.HttpApiHandler;
import io.roomcast.http.HttpContext;
import io.roomcast.limits.ConnectionLimits;
import io.roomcast.limits.SharedRates;
import io.roomcast.limits.TrustedProxies;
import io.roomcast.metrics.Disconnect;
import io.roomcast.metrics.MeteredBus;
import io.roomcast.metrics.NodeMetrics;
import io.roomcast.metrics.ScrapeCache;
import io.roomcast.refusal.Refusal.Code;
import io.roomcast.room.Outbox;
import io.roomcast.room.Presence;
import io.roomcast.session.JoinRules;
import io.roomcast.session.Resume;
import io.roomcast.session.Session;
import io.roomcast.session.SessionRegistry;
import io.roomcast.session.StompContext;
import io.roomcast.transport.RoomcastServer;
import io.roomcast.transport.TransportContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One node: the one place that builds its parts and connects them. Bus to dispatcher to event loops; sessions
 * to outbox to bus; the HTTP API and the STOMP sessions each get a context with only the parts they use. No
 * part leaves this class; what the outside needs are operations ({@link #start}, {@link #drain},
 * {@link #port}).
 *
 * <p>Thread-safe once started.
 */
public final class Node implements AutoCloseable {
    public static final String VERSION = versionOf(Node.class);
    private static final Logger log = LoggerFactory.getLogger(Node.class);

    private final Settings settings;
    private final String id;
    private final Bus bus;
    private final NodeMetrics metrics;
    private final HistoryWindow history;
    private final Dispatcher dispatcher;
    private final Presence presence = new Presence();
    private final Outbox outbox;
    private final SessionRegistry sessions = new SessionRegistry();
    private final ConnectionLimits limits;
    private final ScrapeCache scrapes;
    private final StompContext.Rates rates;
    private final RoomcastServer server;
    private final String apiKey;
    private final boolean apiKeyGenerated;
    private volatile boolean draining;
    private Cluster cluster;
    private LegacyTopicBridge legacy;

    public Node(Settings settings, Bus bus) {
        this.settings = settings;
        this.id = settings.nodeId();
        this.metrics = new NodeMetrics(id, VERSION);
        this.bus = new MeteredBus(bus, metrics);
        ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
        this.limits = new ConnectionLimits(settings.maxConnections, settings.maxConnectionsPerIp,
                settings.maxConnectRatePerIp, settings.maxConnectBurstPerIp, settings.maxHttpConnectionsPerIp,
                System::nanoTime);
        this.history = new HistoryWindow(settings.historyMaxMessages, settings.historyMaxAge,
                settings.historyMaxBytes, System::currentTimeMillis);
        this.dispatcher = new Dispatcher(history, alloc);
        Recovery recovery = new Recovery(history, this.bus.logReader(), settings.recoveryMaxMessages,
                settings.recoveryMaxAge, System::currentTimeMillis);
        this.outbox = new Outbox(this.bus, presence, id);
        this.scrapes = new ScrapeCache(metrics, settings.metricsMinInterval, System::nanoTime);
        this.apiKeyGenerated = settings.apiKey == null;
        this.apiKey = apiKeyGenerated ? generateKey() : settings.apiKey;
        JwtAuthenticator jwt = jwt(settings);
        ConnectProxy connectProxy = settings.auth == Settings.AuthMode.proxy ? new ConnectProxy(settings.connectProxy,
                settings.proxyTimeout, settings.proxyMaxConcurrent, settings.proxySecret,
                settings.connectProxyHeaders(), metrics) : null;
        JoinProxy joinProxy = settings.roomAccess() == Settings.RoomAccessMode.proxy ? new JoinProxy(settings.joinProxy,
                settings.proxyTimeout, settings.proxyMaxConcurrent, settings.proxySecret, metrics) : null;
        this.rates = new StompContext.Rates(
                new SharedRates(settings.maxUserSendRate, settings.maxUserSendBurst, System::nanoTime),
                new SharedRates(settings.maxRoomPostRate, settings.maxRoomPostBurst, System::nanoTime));
        StompContext stomp = new StompContext(settings, id, "Roomcast/" + VERSION,
                settings.auth == Settings.AuthMode.insecure ? new InsecureAuthenticator() : jwt, jwt, connectProxy,
                new JoinRules(settings.roomAccess(), jwt, joinProxy, id), sessions, outbox, presence, history,
                new Resume(history, recovery, metrics), dispatcher, metrics, rates, () -> draining);
        HttpContext http = new HttpContext(settings, id, VERSION, this.bus.name(), apiKey, outbox, presence,
                this::nodes, this::disconnectEverywhere, this::notReadyReason, scrapes, metrics,
                Boolean.getBoolean("roomcast.test"));
        this.server = new RoomcastServer(new TransportContext(settings,
                new Outbound.Budget(settings.outboundQueueBytes, settings.slowConsumerGrace), limits,
                new TrustedProxies(settings.trustedProxies), metrics,
                new HttpApiHandler(http, HttpApiHandler.Routes.ALL),
                settings.metricsPort == null ? null : new HttpApiHandler(http, HttpApiHandler.Routes.MONITORING),
                stomp, this::sweep));
        registerGauges();
    }

    /** The bus named by the settings. */
    public static Bus busFor(Settings settings) {
        return switch (settings.bus) {
            case memory -> new MemoryBus(settings.partitions);
            case rocketmq -> new RocketMqBus(new RocketMqBusConfig(settings.namesrv, settings.topic,
                    settings.partitions, settings.nodeId(), settings.dataDir(), settings.busSendTimeout,
                    // Room for the envelope's own fields around the largest body a client may send.
                    settings.maxBodyBytes + 16 * 1024));
        };
    }

    /**
     * Connects the bus to this node's dispatcher, joins the cluster when the bus is shared, and opens the
     * ports.
     */
    public Node start() throws InterruptedException {
        if (bus.isShared()) {
            cluster = new Cluster(bus, presence, id, VERSION, sessions::count, settings.nodeHeartbeat,
                    settings.nodeTimeout, this::localLeave, this::disconnectLocally);
            dispatcher.onControl(cluster::onControl);
            outbox.onPresenceChange((room, user, delta) -> cluster.announce(room, user, delta));
        }
        bus.start(dispatcher);
        if (cluster != null) {
            cluster.start();
        }
        if (settings.legacyTopic != null) {
            startLegacyBridge();
        }
        server.start();
        log.info("node {} listening on {}:{} (transport {}, bus {}, auth {})", id, settings.host, server.port(),
                server.transportName(), bus.name(), settings.auth);
        return this;
    }

    private void startLegacyBridge() {
        legacy = new LegacyTopicBridge(settings.namesrv, id, settings.legacyTopic, settings.legacyTag,
                new LegacyTopicBridge.Target() {
                    @Override
                    public CompletableFuture<?> broadcast(String message) {
                        return outbox.broadcast(null, null, Map.of(), bytes(message));
                    }

                    @Override
                    public CompletableFuture<?> direct(String user, String message) {
                        return outbox.toUser(user, null, null, Map.of(), bytes(message));
                    }
                });
        try {
            legacy.start();
        } catch (Exception e) {
            throw new IllegalStateException("legacy topic consumer did not start: " + e.getMessage(), e);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    public String id() {
        return id;
    }

    /** The main port actually bound. */
    public int port() {
        return server.port();
    }

    /** The monitoring port actually bound, or null when there is none ({@code --metrics-port}). */
    public Integer monitoringPort() {
        return server.monitoringPort();
    }

    public String apiKey() {
        return apiKey;
    }

    /** Whether the API key was generated at start-up (and must be printed for the operator). */
    public boolean apiKeyGenerated() {
        return apiKeyGenerated;
    }

    /** Forgets the client addresses, users and rooms whose limits have nothing left to remember. */
    private void sweep() {
        limits.sweep();
        rates.userSends().sweep();
        rates.roomPosts().sweep();
    }

    /** A dead node's user left a room: tell this node's subscribers of the room. */
    private void localLeave(Presence.RoomUser left) {
        Position head = history.head(Stream.room(left.room()));
        if (head != null) {
            dispatcher.deliverLocal(new Published(head, Envelope.roomEvent(left.room(), Envelope.LEAVE, left.user()),
                    System.currentTimeMillis()));
        }
    }

    /**
     * Closes every session of {@code user}, on this node and (through the cluster) on all others.
     *
     * @return the sessions closed on this node
     */
    private int disconnectEverywhere(String user) {
        if (cluster != null) {
            cluster.disconnectElsewhere(user);
        }
        return disconnectLocally(user);
    }

    private int disconnectLocally(String user) {
        List<Session> local = sessions.sessionsOf(user);
        for (Session session : local) {
            session.close(Disconnect.SERVER_API, "disconnected by the server API", Code.DISCONNECTED, null,
                    WebSocketCloseStatus.POLICY_VIOLATION);
        }
        return local.size();
    }

    /** The live nodes: this one, and the others the cluster has heard from. */
    private List<Cluster.NodeInfo> nodes() {
        return cluster != null ? cluster.nodes()
                : List.of(new Cluster.NodeInfo(id, VERSION, sessions.count(), System.currentTimeMillis()));
    }

    /** Why the node should not take traffic, or null when it should. */
    private String notReadyReason() {
        if (draining) {
            return "the node is shutting down";
        }
        String stalled = server.stalled();
        if (stalled != null) {
            return stalled;
        }
        return bus.isReady() ? null : String.valueOf(bus.unavailableReason());
    }

    /**
     * A graceful stop (SIGTERM): not ready at once, no new connections, every connection closed with 1012
     * spread over the drain period, the cluster told, then the rest of {@link #close}. Returns within the
     * drain timeout, whatever the clients do.
     */
    public void drain() {
        long deadline = System.nanoTime() + settings.drainTimeout.toNanos();
        draining = true;
        server.stopAccepting();
        List<Session> open = sessions.all();
        long period = settings.drainPeriod.toMillis();
        log.info("draining: closing {} connections over {} ms", open.size(), period);
        for (int i = 0; i < open.size(); i++) {
            long at = open.size() <= 1 ? 0 : period * i / (open.size() - 1);
            Session session = open.get(i);
            CompletableFuture.delayedExecutor(at, TimeUnit.MILLISECONDS).execute(() -> session.restart("node " + id
                    + " is restarting; reconnect and resume"));
        }
        // Leave a third of what remains after the period (at least a second) for the cluster and the bus.
        long reserve = Math.max(TimeUnit.SECONDS.toNanos(1), (deadline - System.nanoTime()) / 3);
        while (sessions.count() > 0 && System.nanoTime() < deadline - reserve) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        // Connections still in their handshake or before CONNECT were not sessions yet: they get 1012 too; those
        // whose clients don't take it are cut.
        server.closeConnections(Duration.ofMillis(Math.max(100, (deadline - System.nanoTime()) / 3 / 1_000_000)));
        log.info("drained; {} sessions left", sessions.count());
        close();
    }

    /** Stops everything: the cluster is told, the ports and event loops close, the bus disconnects. */
    @Override
    public void close() {
        draining = true;
        if (legacy != null) {
            legacy.close();
        }
        if (cluster != null) {
            try {
                cluster.leave();
            } catch (RuntimeException e) {
                log.debug("could not tell the cluster this node is leaving ({}); the others will time it out",
                        e.toString());
            }
            cluster.close();
        }
        server.close();
        scrapes.close();
        bus.close();
    }

    /** The node's JWT verifier, or null when it has no keys (insecure mode without room tokens). */
    private static JwtAuthenticator jwt(Settings s) {
        PublicKey publicKey = null;
        if (s.jwtPublicKey != null) {
            try {
                publicKey = PemKeys.publicKey(s.jwtPublicKey);
            } catch (Exception e) {
                throw new ConfigException("--jwt-public-key: " + s.jwtPublicKey + " is not an RSA public key in PEM"
                        + " form: " + e.getMessage());
            }
        }
        JwtKeys keys;
        try {
            keys = JwtKeys.of(s.jwtSecret, publicKey, s.jwtJwks);
        } catch (java.io.IOException e) {
            throw new ConfigException("--jwt-jwks: " + e.getMessage());
        }
        return keys.isEmpty() ? null : new JwtAuthenticator(keys,
                new JwtAuthenticator.Rules(s.jwtRequireExp, s.jwtIssuer, s.jwtAudience));
    }

    private static String generateKey() {
        byte[] bytes = new byte[24];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    private static String versionOf(Class<?> c) {
        String v = c.getPackage() == null ? null : c.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    private void registerGauges() {
        metrics.gauge("roomcast.sessions", "STOMP sessions (connected, past CONNECT)", sessions,
                SessionRegistry::count);
        metrics.gauge("roomcast.connections", "WebSocket connections admitted and still open", limits,
                ConnectionLimits::total);
        metrics.gauge("roomcast.subscriptions", "Subscriptions of this node's sessions", sessions,
                SessionRegistry::subscriptionCount);
        metrics.gauge("roomcast.rooms", "Rooms with at least one member, on any node", presence,
                Presence::roomCount);
        metrics.gauge("roomcast.outbound.queue", "Bytes waiting to be written to this node's clients", sessions,
                SessionRegistry::pendingOutboundBytes);
        metrics.gauge("roomcast.history.bytes", "Bytes the resume window holds (estimated)", history,
                HistoryWindow::bytes);
        metrics.gauge("roomcast.history.max.bytes", "The most the resume window may hold (--history-max-bytes)",
                history, HistoryWindow::maxBytes);
        metrics.gauge("roomcast.history.messages", "Messages the resume window holds", history,
                HistoryWindow::messages);
        metrics.deliveries(dispatcher, Dispatcher::delivered);
    }
}
