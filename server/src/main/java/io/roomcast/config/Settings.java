package io.roomcast.config;

import io.roomcast.bus.Ids;
import io.roomcast.history.HistoryWindow;
import io.roomcast.stomp.StompLimits;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import io.roomcast.limits.TrustedProxies;

/**
 * Every setting of a node. Picocli fills it from flags, {@code ROOMCAST_*} variables and the config file
 * ({@link ConfigSources}); after {@link #validate()} it is read-only by convention.
 *
 * <p>Not thread-safe while being filled; safe to share once validated.
 */
@CommandLine.Command
public final class Settings {
    public enum BusKind { memory, rocketmq }

    public enum AuthMode { insecure, jwt, proxy }

    public enum RoomAccessMode { open, grants, proxy }

    public enum LogFormat { text, json }

    private static final Logger log = LoggerFactory.getLogger(Settings.class);

    public static final int DEFAULT_OUTBOUND_QUEUE_BYTES = 1024 * 1024;
    public static final long DEFAULT_HISTORY_MAX_BYTES = 64L * 1024 * 1024;
    public static final int DEFAULT_MAX_HTTP_CONNECTIONS_PER_IP = 64;

    @Option(names = "--config", paramLabel = "FILE", description = "YAML file of settings, keys as the long flags without '--'.")
    public Path config;

    @Option(names = "--host", defaultValue = "0.0.0.0", description = "Address to bind. Default: ${DEFAULT-VALUE}.")
    public String host;

    @Option(names = "--port", defaultValue = "8080", description = "Port for WebSocket, HTTP API and page; 0 picks a free one. Default: ${DEFAULT-VALUE}.")
    public int port;

    @Option(names = "--trusted-proxies", defaultValue = TrustedProxies.NONE, paramLabel = "CIDRS", description = "Proxies whose X-Forwarded-For is believed (comma-separated networks such as 10.0.0.0/8,::1/128). Behind nginx, name nginx's address. Default: none, so every client is its TCP peer's address.")
    public String trustedProxies;

    @Option(names = "--node-id", description = "This node's id in the cluster. Default: <hostname>-<port>.")
    public String nodeId;

    @Option(names = "--bus", defaultValue = "memory", description = "Message bus: ${COMPLETION-CANDIDATES}. Default: ${DEFAULT-VALUE}.")
    public BusKind bus;

    @Option(names = "--namesrv", paramLabel = "HOST:PORT", description = "RocketMQ NameServer(s), ';'-separated (--bus rocketmq).")
    public String namesrv;

    @Option(names = "--partitions", defaultValue = "16", description = "Partitions of the memory bus, and queues of a RocketMQ topic the node creates. Default: ${DEFAULT-VALUE}.")
    public int partitions;

    @Option(names = "--topic", defaultValue = "roomcast", description = "RocketMQ topic of the bus. Default: ${DEFAULT-VALUE}.")
    public String topic;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "The RocketMQ client's local directory (consumer offsets live in memory, so nothing is written there today). Default: roomcast-data/<node-id>.")
    public Path dataDir;

    @Option(names = "--bus-send-timeout", defaultValue = "3s", converter = DurationConverter.class, description = "How long a publish to RocketMQ may take before it fails. Default: ${DEFAULT-VALUE}.")
    public Duration busSendTimeout;

    @Option(names = "--legacy-topic", description = "Also consume the original service's RocketMQ topic (for example ws-topic) and deliver its messages. Off by default.")
    public String legacyTopic;

    @Option(names = "--legacy-tag", defaultValue = "ws-tag", description = "Tag of the legacy topic's messages. Default: ${DEFAULT-VALUE}.")
    public String legacyTag;

    @Option(names = "--node-heartbeat", defaultValue = "1s", converter = DurationConverter.class, description = "How often a clustered node tells the others it is alive (with its presence). Default: ${DEFAULT-VALUE}.")
    public Duration nodeHeartbeat;

    @Option(names = "--node-timeout", defaultValue = "5s", converter = DurationConverter.class, description = "A node silent this long is declared dead and its users leave their rooms. Default: ${DEFAULT-VALUE}.")
    public Duration nodeTimeout;

    @Option(names = "--auth", defaultValue = "insecure", description = "Client authentication: insecure (the 'login' header, demo only), jwt (a token on CONNECT), proxy (the backend at --connect-proxy decides from the handshake's cookies and headers). Default: ${DEFAULT-VALUE}.")
    public AuthMode auth;

    @Option(names = "--jwt-secret", description = "HS256 secret for --auth jwt, at least 32 bytes.")
    public String jwtSecret;

    @Option(names = "--jwt-public-key", paramLabel = "PEM", description = "RS256 public key (PEM file) for --auth jwt.")
    public Path jwtPublicKey;

    @Option(names = "--jwt-jwks", paramLabel = "FILE", description = "A JSON Web Key Set file: keys chosen by the token's 'kid', for rotating keys. Default: none.")
    public Path jwtJwks;

    @Option(names = "--jwt-require-exp", defaultValue = "true", arity = "1", description = "Refuse connection tokens without 'exp'. Default: ${DEFAULT-VALUE}.")
    public boolean jwtRequireExp;

    @Option(names = "--jwt-issuer", description = "The 'iss' every token must carry. Default: not checked.")
    public String jwtIssuer;

    @Option(names = "--jwt-audience", description = "The 'aud' every token must carry. Default: not checked.")
    public String jwtAudience;

    @Option(names = "--room-access", description = "Who may join which room: open (anyone signed in), grants (the token's 'rooms' claim, or a room token on SUBSCRIBE), proxy (the backend at --join-proxy decides). Default: grants with --auth jwt or proxy (the token's or the connect proxy's rooms), open with --auth insecure.")
    public RoomAccessMode roomAccess;

    @Option(names = "--join-proxy", paramLabel = "URL", description = "With --room-access proxy: the backend asked before each join. Default: none.")
    public java.net.URI joinProxy;

    @Option(names = "--connect-proxy", paramLabel = "URL", description = "With --auth proxy: the backend that authenticates a connection from its handshake. Default: none.")
    public java.net.URI connectProxy;

    @Option(names = "--connect-proxy-headers", defaultValue = "cookie,authorization", paramLabel = "NAMES", description = "Handshake headers passed to --connect-proxy (comma-separated). Default: ${DEFAULT-VALUE}.")
    public String connectProxyHeaders;

    @Option(names = "--proxy-timeout", defaultValue = "2s", converter = DurationConverter.class, description = "How long the join and connect proxies may take; past it the request is refused (backend-unavailable). Default: ${DEFAULT-VALUE}.")
    public Duration proxyTimeout;

    @Option(names = "--proxy-max-concurrent", defaultValue = "64", description = "Proxy requests in flight at once (each proxy); more are refused at once (backend-unavailable). Default: ${DEFAULT-VALUE}.")
    public int proxyMaxConcurrent;

    @Option(names = "--proxy-secret", description = "Sent to the proxies as 'Authorization: Bearer <secret>', so the backend knows the caller. Default: none.")
    public String proxySecret;

    @Option(names = "--api-key", description = "Bearer key for the HTTP API. Generated and printed when unset in insecure mode.")
    public String apiKey;

    @Option(names = "--max-frame-bytes", defaultValue = "" + StompLimits.DEFAULT_MAX_FRAME_BYTES, description = "Largest STOMP frame. Default: ${DEFAULT-VALUE}.")
    public int maxFrameBytes;

    @Option(names = "--max-body-bytes", defaultValue = "" + StompLimits.DEFAULT_MAX_BODY_BYTES, description = "Largest message body (STOMP and HTTP). Default: ${DEFAULT-VALUE}.")
    public int maxBodyBytes;

    @Option(names = "--max-headers", defaultValue = "" + StompLimits.DEFAULT_MAX_HEADERS, description = "Most headers in one frame. Default: ${DEFAULT-VALUE}.")
    public int maxHeaders;

    @Option(names = "--max-header-length", defaultValue = "" + StompLimits.DEFAULT_MAX_HEADER_LENGTH, description = "Longest header line. Default: ${DEFAULT-VALUE}.")
    public int maxHeaderLength;

    @Option(names = "--max-subscriptions", defaultValue = "64", description = "Subscriptions per connection. Default: ${DEFAULT-VALUE}.")
    public int maxSubscriptions;

    @Option(names = "--max-connections-per-user", defaultValue = "16", description = "Connections of one user on this node. Default: ${DEFAULT-VALUE}.")
    public int maxConnectionsPerUser;

    @Option(names = "--max-rooms-per-user", defaultValue = "100", description = "Rooms one user may be in on this node, over all their connections. Default: ${DEFAULT-VALUE}.")
    public int maxRoomsPerUser;

    @Option(names = "--max-send-rate", defaultValue = "20", description = "SENDs per second per connection, on average (a token bucket); 0 for no limit. Default: ${DEFAULT-VALUE}.")
    public double maxSendRate;

    @Option(names = "--max-send-burst", defaultValue = "50", description = "SENDs one connection may make at once before --max-send-rate applies. Default: ${DEFAULT-VALUE}.")
    public int maxSendBurst;

    @Option(names = "--max-user-send-rate", defaultValue = "50", description = "SENDs per second of one user over all their connections on this node; 0 for no limit. Default: ${DEFAULT-VALUE}.")
    public double maxUserSendRate;

    @Option(names = "--max-user-send-burst", defaultValue = "100", description = "SENDs one user may make at once on this node. Default: ${DEFAULT-VALUE}.")
    public int maxUserSendBurst;

    @Option(names = "--max-room-post-rate", defaultValue = "100", description = "Posts per second into one room from all its members on this node; 0 for no limit. Default: ${DEFAULT-VALUE}.")
    public double maxRoomPostRate;

    @Option(names = "--max-room-post-burst", defaultValue = "200", description = "Posts into one room at once on this node. Default: ${DEFAULT-VALUE}.")
    public int maxRoomPostBurst;

    @Option(names = "--max-subscribe-rate", defaultValue = "10", description = "SUBSCRIBEs and UNSUBSCRIBEs per second per connection; 0 for no limit. Default: ${DEFAULT-VALUE}.")
    public double maxSubscribeRate;

    @Option(names = "--max-subscribe-burst", defaultValue = "50", description = "SUBSCRIBEs and UNSUBSCRIBEs one connection may make at once (a resume subscribes to everything again). Default: ${DEFAULT-VALUE}.")
    public int maxSubscribeBurst;

    @Option(names = "--max-presence-rate", defaultValue = "2", description = "Presence queries per second per connection; 0 for no limit. Default: ${DEFAULT-VALUE}.")
    public double maxPresenceRate;

    @Option(names = "--max-presence-burst", defaultValue = "10", description = "Presence queries one connection may make at once. Default: ${DEFAULT-VALUE}.")
    public int maxPresenceBurst;

    @Option(names = "--max-receipt-rate", defaultValue = "50", description = "ACK/NACK frames and frames asking for a receipt, per second per connection; 0 for no limit. Default: ${DEFAULT-VALUE}.")
    public double maxReceiptRate;

    @Option(names = "--max-receipt-burst", defaultValue = "100", description = "ACK/NACK frames and receipts one connection may ask for at once. Default: ${DEFAULT-VALUE}.")
    public int maxReceiptBurst;

    @Option(names = "--max-refusal-rate", defaultValue = "5", description = "Refusals per second a connection may earn, on average; a connection past --max-refusal-burst of them is closed, whatever its pace. Default: ${DEFAULT-VALUE}.")
    public double maxRefusalRate;

    @Option(names = "--max-refusal-burst", defaultValue = "50", description = "Refusals a connection may earn at once before it is closed. Default: ${DEFAULT-VALUE}.")
    public int maxRefusalBurst;

    @Option(names = "--max-connections", defaultValue = "50000", description = "WebSocket connections on this node; past it, upgrades get 503. Default: ${DEFAULT-VALUE}.")
    public int maxConnections;

    @Option(names = "--max-connections-per-ip", defaultValue = "1000", description = "WebSocket connections from one client address (X-Forwarded-For from --trusted-proxies). Default: ${DEFAULT-VALUE}.")
    public int maxConnectionsPerIp;

    @Option(names = "--max-connect-rate-per-ip", defaultValue = "100", description = "New WebSocket connections per second from one client address, on average; 0 for no limit. Default: ${DEFAULT-VALUE}.")
    public double maxConnectRatePerIp;

    @Option(names = "--max-connect-burst-per-ip", defaultValue = "500", description = "New connections one address may make at once before --max-connect-rate-per-ip applies. Default: ${DEFAULT-VALUE}.")
    public int maxConnectBurstPerIp;

    @Option(names = "--allowed-origins", defaultValue = "", paramLabel = "ORIGINS", description = "Browser origins that may open WebSockets, comma-separated (https://chat.example.com), or *. Empty: the node's own origin only. Requests without Origin (non-browser clients) are not checked. Default: same origin.")
    public String allowedOrigins;

    @Option(names = "--log-format", defaultValue = "text", description = "Log lines as text or json (one JSON object per line, with the session id). Default: ${DEFAULT-VALUE}.")
    public LogFormat logFormat;

    @Option(names = "--max-room-length", defaultValue = "" + Ids.DEFAULT_MAX_ROOM_LENGTH, description = "Longest room id. Default: ${DEFAULT-VALUE}.")
    public int maxRoomLength;

    @Option(names = "--outbound-queue-bytes", defaultValue = "" + DEFAULT_OUTBOUND_QUEUE_BYTES, description = "Bytes one WebSocket connection may have waiting to be written: deliveries, replays, refusals, receipts and presence answers alike. Past it the node stops reading the client and pauses its replays; a connection still past it after --slow-consumer-grace, or twice past it, is closed as a slow consumer. Default: ${DEFAULT-VALUE}.")
    public int outboundQueueBytes;

    @Option(names = "--slow-consumer-grace", defaultValue = "5s", converter = DurationConverter.class, description = "How long a connection may stay past --outbound-queue-bytes (or take to accept its close) before it is cut. Default: ${DEFAULT-VALUE}.")
    public Duration slowConsumerGrace;

    @Option(names = "--http-idle-timeout", defaultValue = "30s", converter = DurationConverter.class, description = "A keep-alive HTTP connection with no request in progress for this long is closed. Default: ${DEFAULT-VALUE}.")
    public Duration httpIdleTimeout;

    @Option(names = "--http-header-timeout", defaultValue = "10s", converter = DurationConverter.class, description = "Time from a connection's first byte, or a request's, to the end of that request's headers. Default: ${DEFAULT-VALUE}.")
    public Duration httpHeaderTimeout;

    @Option(names = "--http-body-timeout", defaultValue = "30s", converter = DurationConverter.class, description = "Time from the end of a request's headers to the end of its body. Default: ${DEFAULT-VALUE}.")
    public Duration httpBodyTimeout;

    @Option(names = "--max-http-connections-per-ip", defaultValue = "" + DEFAULT_MAX_HTTP_CONNECTIONS_PER_IP, description = "Connections from one client address (X-Forwarded-For from --trusted-proxies) that have made an HTTP request other than a WebSocket upgrade; past it, 429. Default: ${DEFAULT-VALUE}.")
    public int maxHttpConnectionsPerIp;

    @Option(names = "--metrics-min-interval", defaultValue = "1s", converter = DurationConverter.class, description = "/metrics is rendered at most once per this interval; scrapes in between get the last rendering. Default: ${DEFAULT-VALUE}.")
    public Duration metricsMinInterval;

    @Option(names = "--metrics-port", paramLabel = "PORT", description = "Serve /metrics (and the health checks) on this port instead of the main one. Default: the main port.")
    public Integer metricsPort;

    @Option(names = "--metrics-key", description = "Bearer key that /metrics asks for. Default: none (keep the port private, as deploy/nginx/roomcast.conf does).")
    public String metricsKey;

    @Option(names = "--loop-stall-timeout", defaultValue = "2s", converter = DurationConverter.class, description = "Readiness turns 503 while an event loop has not run a probe task for this long. Default: ${DEFAULT-VALUE}.")
    public Duration loopStallTimeout;

    @Option(names = "--http-max-body-bytes", defaultValue = "131072", description = "Largest HTTP request body. Default: ${DEFAULT-VALUE}.")
    public int httpMaxBodyBytes;

    @Option(names = "--heartbeat-send", defaultValue = "10s", converter = DurationConverter.class, description = "How often the server offers to send heart-beats. 0 disables. Default: ${DEFAULT-VALUE}.")
    public Duration heartbeatSend;

    @Option(names = "--heartbeat-receive", defaultValue = "10s", converter = DurationConverter.class, description = "How often the server wants heart-beats from clients. 0 disables. Default: ${DEFAULT-VALUE}.")
    public Duration heartbeatReceive;

    @Option(names = "--heartbeat-tolerance", defaultValue = "2.0", description = "A client silent for this many negotiated intervals is closed. Default: ${DEFAULT-VALUE}.")
    public double heartbeatTolerance;

    @Option(names = "--connect-timeout", defaultValue = "10s", converter = DurationConverter.class, description = "Time to complete the WebSocket handshake and to send CONNECT. Default: ${DEFAULT-VALUE}.")
    public Duration connectTimeout;

    @Option(names = "--recovery-max-messages", defaultValue = "100000", description = "A resume older than the history window is read from the bus log, scanning at most this many messages of the partition; beyond, recovered:false. Default: ${DEFAULT-VALUE}.")
    public int recoveryMaxMessages;

    @Option(names = "--recovery-max-age", defaultValue = "1h", converter = DurationConverter.class, description = "A resume whose first missed message is older than this is answered recovered:false. Default: ${DEFAULT-VALUE}.")
    public Duration recoveryMaxAge;

    @Option(names = "--drain-period", defaultValue = "5s", converter = DurationConverter.class, description = "On SIGTERM, connections are closed (code 1012) spread over this period, so clients don't all reconnect at once. Default: ${DEFAULT-VALUE}.")
    public Duration drainPeriod;

    @Option(names = "--drain-timeout", defaultValue = "15s", converter = DurationConverter.class, description = "On SIGTERM, the node exits within this time. Default: ${DEFAULT-VALUE}.")
    public Duration drainTimeout;

    @Option(names = "--history-max-messages", defaultValue = "" + HistoryWindow.DEFAULT_MAX_MESSAGES, description = "Messages kept per partition for resume. Default: ${DEFAULT-VALUE}.")
    public int historyMaxMessages;

    @Option(names = "--history-max-bytes", defaultValue = "" + DEFAULT_HISTORY_MAX_BYTES, description = "Bytes the resume window may hold over all partitions (estimated from each message's size); the oldest messages go first. Default: ${DEFAULT-VALUE}.")
    public long historyMaxBytes;

    @Option(names = "--history-max-age", defaultValue = "5m", converter = DurationConverter.class, description = "Age after which messages leave the resume window. Default: ${DEFAULT-VALUE}.")
    public Duration historyMaxAge;

    /** Settings as they are with no flag, no environment and no file: the embedded default. */
    public static Settings defaults() {
        Settings s = new Settings();
        new CommandLine(s).setDefaultValueProvider(new ConfigSources(Map.of(), Map.of())).parseArgs();
        return s;
    }

    public StompLimits stompLimits() {
        return new StompLimits(maxFrameBytes, maxBodyBytes, maxHeaders, maxHeaderLength);
    }

    /** The node id, derived once from the host name and port when not set. */
    public synchronized String nodeId() {
        if (nodeId == null || nodeId.isBlank()) {
            nodeId = derivedNodeId();
        }
        return nodeId;
    }

    private String derivedNodeId() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "node";
        }
        // With --port 0 the real port is not known yet; a random suffix keeps ids unique on one host.
        return host + "-" + (port != 0 ? Integer.toString(port)
                : Long.toString(ThreadLocalRandom.current().nextLong(36L * 36 * 36 * 36), 36));
    }

    /** The directory for this node's own files. */
    public Path dataDir() {
        return dataDir != null ? dataDir : Path.of("roomcast-data", nodeId());
    }

    /**
     * Fails on the first impossible setting with one line naming it; logs a warning for each unwise one.
     *
     * @return the warnings, also logged
     */
    public List<String> validate() {
        range("--port", port, 0, 65535);
        range("--partitions", partitions, 1, 1024);
        range("--max-frame-bytes", maxFrameBytes, 256, 16 * 1024 * 1024);
        range("--max-body-bytes", maxBodyBytes, 0, maxFrameBytes);
        range("--max-headers", maxHeaders, 4, 1024);
        range("--max-header-length", maxHeaderLength, 64, maxFrameBytes);
        range("--max-subscriptions", maxSubscriptions, 1, 100_000);
        range("--max-connections-per-user", maxConnectionsPerUser, 1, 100_000);
        range("--max-room-length", maxRoomLength, 1, 1024);
        range("--max-rooms-per-user", maxRoomsPerUser, 1, 100_000);
        range("--max-send-rate", maxSendRate, 0, 1_000_000);
        range("--max-send-burst", maxSendBurst, 1, 1_000_000);
        rate("--max-user-send", maxUserSendRate, maxUserSendBurst);
        rate("--max-room-post", maxRoomPostRate, maxRoomPostBurst);
        rate("--max-subscribe", maxSubscribeRate, maxSubscribeBurst);
        rate("--max-presence", maxPresenceRate, maxPresenceBurst);
        rate("--max-receipt", maxReceiptRate, maxReceiptBurst);
        rate("--max-refusal", maxRefusalRate, maxRefusalBurst);
        range("--max-connections", maxConnections, 1, 10_000_000);
        range("--max-connections-per-ip", maxConnectionsPerIp, 1, 10_000_000);
        range("--max-connect-rate-per-ip", maxConnectRatePerIp, 0, 1_000_000);
        range("--max-connect-burst-per-ip", maxConnectBurstPerIp, 1, 10_000_000);
        for (String origin : allowedOrigins()) {
            if (!origin.equals("*") && !origin.matches("(?i)https?://[^/\\s]+")) {
                throw new ConfigException("--allowed-origins: '" + origin + "' is not an origin: use scheme://host[:port]"
                        + " such as https://chat.example.com, or *");
            }
        }
        range("--outbound-queue-bytes", outboundQueueBytes, 4096, Integer.MAX_VALUE);
        range("--http-max-body-bytes", httpMaxBodyBytes, 1024, 64 * 1024 * 1024);
        range("--history-max-messages", historyMaxMessages, 0, 10_000_000);
        range("--history-max-bytes", historyMaxBytes, 0, Long.MAX_VALUE);
        range("--max-http-connections-per-ip", maxHttpConnectionsPerIp, 1, 10_000_000);
        if (metricsPort != null) {
            range("--metrics-port", metricsPort, 0, 65535);
            if (metricsPort != 0 && metricsPort == port) {
                throw new ConfigException("--metrics-port: must differ from --port (" + port + ")");
            }
        }
        if (metricsKey != null && metricsKey.length() < 16) {
            throw new ConfigException("--metrics-key: must be at least 16 characters, got " + metricsKey.length());
        }
        positive("--slow-consumer-grace", slowConsumerGrace);
        positive("--http-idle-timeout", httpIdleTimeout);
        positive("--http-header-timeout", httpHeaderTimeout);
        positive("--http-body-timeout", httpBodyTimeout);
        notNegative("--metrics-min-interval", metricsMinInterval);
        if (loopStallTimeout.toMillis() < 100) {
            throw new ConfigException("--loop-stall-timeout: must be at least 100ms, got "
                    + DurationConverter.format(loopStallTimeout));
        }
        notNegative("--heartbeat-send", heartbeatSend);
        notNegative("--heartbeat-receive", heartbeatReceive);
        notNegative("--history-max-age", historyMaxAge);
        positive("--connect-timeout", connectTimeout);
        if (heartbeatTolerance < 1.0 || heartbeatTolerance > 100) {
            throw new ConfigException("--heartbeat-tolerance: must be between 1.0 and 100, got " + heartbeatTolerance);
        }
        if (nodeId != null && !nodeId.matches("[A-Za-z0-9_.-]{1,64}")) {
            // checked before nodeId() derives one, so a derived id never trips it
            throw new ConfigException("--node-id: use 1 to 64 letters, digits or _ . -, got '" + nodeId + "'");
        }
        try {
            new TrustedProxies(trustedProxies);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("--trusted-proxies: " + e.getMessage());
        }
        range("--recovery-max-messages", recoveryMaxMessages, 0, 100_000_000);
        notNegative("--recovery-max-age", recoveryMaxAge);
        notNegative("--drain-period", drainPeriod);
        if (drainTimeout.compareTo(drainPeriod) < 0) {
            throw new ConfigException("--drain-timeout: must be at least --drain-period ("
                    + DurationConverter.format(drainPeriod) + "), got " + DurationConverter.format(drainTimeout));
        }
        if (nodeHeartbeat.toMillis() < 50) {
            throw new ConfigException("--node-heartbeat: must be at least 50ms, got " + DurationConverter.format(nodeHeartbeat));
        }
        if (nodeTimeout.compareTo(nodeHeartbeat.multipliedBy(2)) < 0) {
            throw new ConfigException("--node-timeout: must be at least twice --node-heartbeat ("
                    + DurationConverter.format(nodeHeartbeat) + "), got " + DurationConverter.format(nodeTimeout));
        }
        positive("--bus-send-timeout", busSendTimeout);
        if (!topic.matches("[A-Za-z0-9_%|-]{1,127}")) {
            throw new ConfigException("--topic: use 1 to 127 letters, digits or _ - % |, got '" + topic + "'");
        }
        if (legacyTopic != null && bus != BusKind.rocketmq) {
            throw new ConfigException("--legacy-topic: needs --bus rocketmq");
        }
        if (bus == BusKind.rocketmq && (namesrv == null || namesrv.isBlank())) {
            throw new ConfigException("--namesrv: required with --bus rocketmq (for example --namesrv 127.0.0.1:9876)");
        }
        if (apiKey != null && apiKey.length() < 16) {
            throw new ConfigException("--api-key: must be at least 16 characters, got " + apiKey.length());
        }
        validateJwt();
        validateAccess();
        return warnings();
    }

    /** The room access in force: {@code --room-access}, or its default for the auth mode. */
    public RoomAccessMode roomAccess() {
        return roomAccess != null ? roomAccess : auth == AuthMode.insecure ? RoomAccessMode.open : RoomAccessMode.grants;
    }

    /** The handshake headers the connect proxy gets, lower case. */
    public List<String> connectProxyHeaders() {
        return connectProxyHeaders == null || connectProxyHeaders.isBlank() ? List.of()
                : List.of(connectProxyHeaders.trim().toLowerCase(java.util.Locale.ROOT).split("\\s*,\\s*"));
    }

    private void validateAccess() {
        // The connect proxy's answers carry grants ('rooms') as a token's claim does.
        if (roomAccess() == RoomAccessMode.grants && auth == AuthMode.insecure && !hasJwtKeys()) {
            throw new ConfigException("--room-access grants: needs grants to read (--auth jwt or --auth proxy, or JWT"
                    + " keys for room tokens: --jwt-secret, --jwt-public-key or --jwt-jwks)");
        }
        if (roomAccess() == RoomAccessMode.proxy && joinProxy == null) {
            throw new ConfigException("--room-access proxy: needs --join-proxy URL (the backend that decides joins)");
        }
        if (auth == AuthMode.proxy && connectProxy == null) {
            throw new ConfigException("--auth proxy: needs --connect-proxy URL (the backend that authenticates"
                    + " connections)");
        }
        for (var url : new java.net.URI[] {joinProxy, connectProxy}) {
            if (url != null && !("http".equals(url.getScheme()) || "https".equals(url.getScheme()))) {
                throw new ConfigException("--join-proxy/--connect-proxy: '" + url + "' is not an http(s) URL");
            }
        }
        positive("--proxy-timeout", proxyTimeout);
        range("--proxy-max-concurrent", proxyMaxConcurrent, 1, 100_000);
        if ((auth == AuthMode.proxy || roomAccess() == RoomAccessMode.proxy) && apiKey == null) {
            throw new ConfigException("--api-key: required when a backend decides access (the HTTP API must not be"
                    + " open)");
        }
    }

    private boolean hasJwtKeys() {
        return jwtSecret != null || jwtPublicKey != null || jwtJwks != null;
    }

    private void validateJwt() {
        if (jwtJwks != null && !Files.isReadable(jwtJwks)) {
            throw new ConfigException("--jwt-jwks: cannot read " + jwtJwks);
        }
        if (jwtSecret != null && jwtSecret.getBytes(StandardCharsets.UTF_8).length < 32) {
            throw new ConfigException("--jwt-secret: HS256 needs at least 32 bytes, got "
                    + jwtSecret.getBytes(StandardCharsets.UTF_8).length);
        }
        if (jwtPublicKey != null && !Files.isReadable(jwtPublicKey)) {
            throw new ConfigException("--jwt-public-key: cannot read " + jwtPublicKey);
        }
        if (auth != AuthMode.jwt) {
            return;
        }
        if (!hasJwtKeys()) {
            throw new ConfigException("--auth jwt: needs --jwt-secret (HS256), --jwt-public-key (RS256) or --jwt-jwks"
                    + " (keys by id)");
        }
        if (apiKey == null) {
            throw new ConfigException("--api-key: required with --auth jwt (the HTTP API must not be open)");
        }
    }

    /** The browser origins allowed to open WebSockets; empty means the node's own origin only. */
    public List<String> allowedOrigins() {
        return allowedOrigins == null || allowedOrigins.isBlank() ? List.of()
                : List.of(allowedOrigins.trim().split("\\s*,\\s*"));
    }

    private List<String> warnings() {
        List<String> warnings = new ArrayList<>();
        if (allowedOrigins().contains("*") && auth == AuthMode.jwt) {
            warnings.add("--allowed-origins *: any web site can open WebSockets to this node from its visitors'"
                    + " browsers; list your sites' origins instead");
        }
        if (auth == AuthMode.jwt && !jwtRequireExp) {
            warnings.add("--jwt-require-exp false: a token without 'exp' is valid forever, and so is a connection"
                    + " made with it");
        }
        if (maxSendRate == 0) {
            warnings.add("--max-send-rate 0: one client may send as fast as it can; only backends should be trusted"
                    + " with that, and they should use the HTTP API");
        }
        if (historyMaxMessages > 0 && recoveryMaxMessages < historyMaxMessages) {
            warnings.add("--recovery-max-messages " + recoveryMaxMessages + " is below --history-max-messages "
                    + historyMaxMessages + ": resumes the window could serve will be refused");
        }
        if (auth == AuthMode.insecure) {
            warnings.add("--auth insecure: clients choose their own user id with the 'login' header; use --auth jwt"
                    + " for anything but a demo");
            if (!isLoopback(host)) {
                warnings.add("--auth insecure with --host " + host + ": anyone who can reach this address can"
                        + " connect as any user; bind 127.0.0.1 or use --auth jwt");
            }
        }
        if (!heartbeatReceive.isZero() && heartbeatReceive.toMillis() * heartbeatTolerance > 60_000) {
            warnings.add("--heartbeat-receive " + DurationConverter.format(heartbeatReceive) + " x tolerance "
                    + heartbeatTolerance + " is longer than nginx's default proxy_read_timeout of 60s");
        }
        if (!heartbeatSend.isZero() && heartbeatSend.toSeconds() >= 60) {
            warnings.add("--heartbeat-send " + DurationConverter.format(heartbeatSend)
                    + " is not shorter than nginx's default proxy_read_timeout of 60s: idle clients behind"
                    + " nginx will be cut off");
        }
        warnings.forEach(w -> log.warn(w));
        return warnings;
    }

    private static boolean isLoopback(String host) {
        return host.equals("localhost") || host.startsWith("127.") || host.equals("::1");
    }

    private static void range(String name, long value, long min, long max) {
        if (value < min || value > max) {
            throw new ConfigException(name + ": must be between " + min + " and " + max + ", got " + value);
        }
    }

    /** As {@link #range(String, long, long, long)}, for rates; NaN is out of every range. */
    private static void range(String name, double value, long min, long max) {
        if (!(value >= min && value <= max)) {
            throw new ConfigException(name + ": must be between " + min + " and " + max + ", got " + value);
        }
    }

    /** A token bucket's two settings: a rate (0 for none) and its burst. */
    private static void rate(String prefix, double rate, int burst) {
        range(prefix + "-rate", rate, 0, 1_000_000);
        range(prefix + "-burst", burst, 1, 1_000_000);
    }

    private static void positive(String name, Duration d) {
        if (d.isNegative() || d.isZero()) {
            throw new ConfigException(name + ": must be positive, got " + DurationConverter.format(d));
        }
    }

    private static void notNegative(String name, Duration d) {
        if (d.isNegative()) {
            throw new ConfigException(name + ": must not be negative, got " + d);
        }
    }
}
