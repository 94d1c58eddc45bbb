package io.roomcast.access;

import io.roomcast.metrics.NodeMetrics;

import java.net.URI;
import java.time.Duration;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Asks the backend behind {@code --join-proxy} whether a user may join a room ({@code --room-access proxy}).
 *
 * <p>The node POSTs {@code {"user": U, "room": R, "node": N, "headers": {...}}}, the headers being the
 * SUBSCRIBE frame's application headers as given, and reads
 * {@code {"allow": true|false, "can"?: ["join", "post", ...], "member"?: {...}, "reason"?: "..."}}:
 * <ul>
 *   <li>{@code allow} is required;</li>
 *   <li>{@code can} defaults to {@link Capability#MEMBER}; when given with {@code allow: true} it must include
 *       {@code join}, since that is what was asked;</li>
 *   <li>{@code member}, a JSON object, is the member's attributes;</li>
 *   <li>{@code reason}, with {@code allow: false}, is passed on to the client (cut to 200 characters).</li>
 * </ul>
 * An answer that breaks this, or none in time, refuses the join ({@link AccessBackend}).
 *
 * <p>Thread-safe; {@link #ask} neither blocks nor throws.
 */
public final class JoinProxy {
    private final AccessBackend backend;

    /**
     * @param secret sent as {@code Authorization: Bearer <secret>}; null or empty for none
     * @throws IllegalArgumentException naming the value that cannot work
     */
    public JoinProxy(URI uri, Duration timeout, int maxConcurrent, String secret, NodeMetrics metrics) {
        this.backend = new AccessBackend("join", uri, timeout, maxConcurrent, secret, metrics);
    }

    /**
     * Whether {@code user} may join {@code room}.
     *
     * @param node    this node's id
     * @param headers the SUBSCRIBE frame's application headers (not STOMP's own), passed on as given
     * @return a future that always completes normally, off the caller's thread (see {@link AccessBackend})
     */
    public CompletableFuture<JoinDecision> ask(String user, String room, String node, Map<String, String> headers) {
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("user", user);
        request.put("room", room);
        request.put("node", node);
        request.put("headers", headers == null ? Map.of() : headers);
        return backend.ask(request, answer -> decide(answer, room), JoinDecision::unavailable);
    }

    /** @throws IllegalArgumentException saying what is wrong with the answer */
    static JoinDecision decide(BackendAnswer answer, String room) {
        boolean allow = answer.allow();
        List<String> names = answer.strings("can");
        Map<String, Object> member = answer.object("member");
        String reason = answer.reason();
        if (!allow) {
            return JoinDecision.refuse(reason != null ? reason : "the join proxy refused room '" + room + "'");
        }
        return JoinDecision.allow(names == null ? Capability.MEMBER : capabilities(names), member);
    }

    private static Set<Capability> capabilities(List<String> names) {
        EnumSet<Capability> can = EnumSet.noneOf(Capability.class);
        for (String name : names) {
            try {
                can.add(Capability.parse(name));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("'can' has an " + e.getMessage());
            }
        }
        if (!can.contains(Capability.JOIN)) {
            throw new IllegalArgumentException("'can' " + names + " must include \"join\" when 'allow' is true");
        }
        return can;
    }
}
