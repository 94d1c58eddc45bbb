package io.roomcast.session;

import io.roomcast.access.Capability;
import io.roomcast.access.JoinDecision;
import io.roomcast.access.JoinProxy;
import io.roomcast.auth.AuthenticationException;
import io.roomcast.auth.JwtAuthenticator;
import io.roomcast.auth.Principal;
import io.roomcast.config.Settings.RoomAccessMode;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Decides a join, as {@code --room-access} says:
 * <ul>
 *   <li><b>open</b>: anyone signed in may join any room, and post, whisper and ask who is there;</li>
 *   <li><b>grants</b>: what the connection's token grants in the room ({@code rooms} claim), plus what a room
 *       token passed as {@code token} on the SUBSCRIBE grants;</li>
 *   <li><b>proxy</b>: what the backend at {@code --join-proxy} answers (a room token still counts, so a backend
 *       can hand one out instead of being asked).</li>
 * </ul>
 * A join needs {@link Capability#JOIN}; what else the decision allows is what the session may do in the room
 * until it leaves.
 *
 * <p>Thread-safe. Open and grants answer at once; proxy answers on the proxy's thread.
 */
public final class JoinRules {
    private final RoomAccessMode mode;
    private final JwtAuthenticator jwt;
    private final JoinProxy proxy;
    private final String node;

    /**
     * @param jwt   verifies room tokens; null when the node has no JWT keys
     * @param proxy the join proxy, for {@link RoomAccessMode#proxy}; else null
     */
    public JoinRules(RoomAccessMode mode, JwtAuthenticator jwt, JoinProxy proxy, String node) {
        this.mode = mode;
        this.jwt = jwt;
        this.proxy = proxy;
        this.node = node;
    }

    /** Whether capabilities are checked per room at all ({@code open} lets every member do everything). */
    public boolean checksCapabilities() {
        return mode != RoomAccessMode.open;
    }

    /**
     * May {@code principal} join {@code room}?
     *
     * @param roomToken the SUBSCRIBE's {@code token} header, or null
     * @param headers   the SUBSCRIBE's application headers, for the proxy
     */
    public CompletableFuture<JoinDecision> decide(Principal principal, String room, String roomToken,
                                                 Map<String, String> headers) {
        if (mode == RoomAccessMode.open) {
            return CompletableFuture.completedFuture(JoinDecision.asMember());
        }
        Set<Capability> fromToken;
        try {
            fromToken = roomToken == null ? Set.of() : roomToken(principal.user(), room, roomToken);
        } catch (AuthenticationException e) {
            return CompletableFuture.completedFuture(JoinDecision.refuse("room token refused: " + e.getMessage()));
        }
        if (mode == RoomAccessMode.proxy && !fromToken.contains(Capability.JOIN)) {
            return proxy.ask(principal.user(), room, node, headers);
        }
        EnumSet<Capability> can = EnumSet.noneOf(Capability.class);
        can.addAll(principal.grants().in(room));
        can.addAll(fromToken);
        if (!can.contains(Capability.JOIN)) {
            return CompletableFuture.completedFuture(JoinDecision.refuse("you may not join room '" + room
                    + "': your token grants no 'join' there (its 'rooms' claim), and no room token was passed as"
                    + " 'token' on the SUBSCRIBE"));
        }
        return CompletableFuture.completedFuture(JoinDecision.allow(Set.copyOf(can), Map.of()));
    }

    private Set<Capability> roomToken(String user, String room, String token) throws AuthenticationException {
        if (jwt == null) {
            throw new AuthenticationException("this node has no JWT keys to check it with");
        }
        return jwt.roomToken(token, user, room).can();
    }
}
