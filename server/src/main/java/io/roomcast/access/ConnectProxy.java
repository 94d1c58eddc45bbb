package io.roomcast.access;

import io.roomcast.metrics.NodeMetrics;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Authenticates a WebSocket connection from its handshake, through the backend behind {@code --connect-proxy}:
 * for apps whose users carry a session cookie rather than a JWT.
 *
 * <p>The node POSTs {@code {"node": N, "headers": {...}}}, the headers being the handshake's headers that the
 * allow-list names ({@code --connect-proxy-headers}), under lower-case names; and reads
 * {@code {"allow": bool, "user"?: "id", "rooms"?: ..., "expires_at"?: epoch seconds, "reason"?: "..."}}:
 * <ul>
 *   <li>{@code allow} is required, and {@code user} too when it is true;</li>
 *   <li>{@code rooms} takes the shapes of the JWT's claim ({@link RoomGrants#parse}); none grants no room;</li>
 *   <li>{@code expires_at}, whole seconds, ends the authentication; none is no end;</li>
 *   <li>{@code reason}, with {@code allow: false}, is passed on to the client (cut to 200 characters).</li>
 * </ul>
 * An answer that breaks this, or none in time, refuses the connection ({@link AccessBackend}).
 *
 * <p>Thread-safe; {@link #ask} neither blocks nor throws.
 */
public final class ConnectProxy {
    /** The default of {@code --connect-proxy-headers}: what carries a session. */
    public static final String DEFAULT_HEADERS = "cookie,authorization";

    private final AccessBackend backend;
    /** Lower case: header names are not case-sensitive. */
    private final Set<String> forwarded;

    /**
     * @param secret          sent as {@code Authorization: Bearer <secret>}; null or empty for none
     * @param headerAllowList the handshake headers passed on, in any case (none is allowed: the backend then
     *                        decides from the node alone)
     * @throws IllegalArgumentException naming the value that cannot work
     */
    public ConnectProxy(URI uri, Duration timeout, int maxConcurrent, String secret, List<String> headerAllowList,
                        NodeMetrics metrics) {
        this.backend = new AccessBackend("connect", uri, timeout, maxConcurrent, secret, metrics);
        Set<String> names = new LinkedHashSet<>();
        for (String name : headerAllowList) {
            String n = name.strip().toLowerCase(Locale.ROOT);
            if (n.isEmpty() || !n.chars().allMatch(ConnectProxy::isTokenChar)) {
                throw new IllegalArgumentException("the connect proxy's header '" + name + "' is not a header name");
            }
            names.add(n);
        }
        this.forwarded = Set.copyOf(names);
    }

    /**
     * Whether the connection whose handshake carried {@code handshakeHeaders} is accepted, and for whom.
     *
     * @param node             this node's id
     * @param handshakeHeaders the WebSocket handshake's headers, names in any case; of a name given twice in
     *                         different cases, the first is sent
     * @return a future that always completes normally, off the caller's thread (see {@link AccessBackend})
     */
    public CompletableFuture<ConnectDecision> ask(String node, Map<String, String> handshakeHeaders) {
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("node", node);
        request.put("headers", allowed(handshakeHeaders));
        return backend.ask(request, ConnectProxy::decide, ConnectDecision::unavailable);
    }

    private Map<String, String> allowed(Map<String, String> headers) {
        Map<String, String> allowed = new LinkedHashMap<>();
        if (headers != null) {
            headers.forEach((name, value) -> {
                String n = name.toLowerCase(Locale.ROOT);
                if (forwarded.contains(n) && value != null) {
                    allowed.putIfAbsent(n, value);
                }
            });
        }
        return allowed;
    }

    /** @throws IllegalArgumentException saying what is wrong with the answer */
    static ConnectDecision decide(BackendAnswer answer) {
        boolean allow = answer.allow();
        String user = answer.string("user");
        RoomGrants grants = RoomGrants.parse(answer.value("rooms"));
        Instant expiresAt = answer.epochSeconds("expires_at");
        String reason = answer.reason();
        if (!allow) {
            return ConnectDecision.refuse(reason != null ? reason : "the connect proxy refused the connection");
        }
        if (user == null || user.isBlank()) {
            throw new IllegalArgumentException("'user' is missing: an answer that allows must say whom for");
        }
        return ConnectDecision.allow(user, grants, expiresAt);
    }

    /** RFC 9110's token characters, which a header name is made of. */
    private static boolean isTokenChar(int c) {
        return c > 0x20 && c < 0x7f && "\"(),/:;<=>?@[\\]{}".indexOf(c) < 0;
    }
}
