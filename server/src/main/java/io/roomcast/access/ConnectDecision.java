package io.roomcast.access;

import java.time.Instant;
import java.util.Objects;

/**
 * Whether a WebSocket connection is accepted, and who it speaks for.
 *
 * <p>Immutable, thread-safe.
 *
 * @param allowed   whether the connection is accepted
 * @param user      the user it speaks for; null when not allowed
 * @param grants    the rooms it may join and with what ({@link RoomGrants#NONE} when none or not allowed)
 * @param expiresAt when the connection's authentication ends; null for no end (and when not allowed). It may
 *                  already be past when the node gets it: the caller decides what that means (a clock skew, or
 *                  close at once)
 * @param code      {@link AccessDecision#FORBIDDEN} or {@link AccessDecision#BACKEND_UNAVAILABLE}; null when allowed
 * @param reason    what happened, for a person; null when allowed
 */
public record ConnectDecision(boolean allowed, String user, RoomGrants grants, Instant expiresAt, String code,
                              String reason) implements AccessDecision {

    public ConnectDecision {
        AccessDecision.check(allowed, code, reason);
        if (allowed == (user == null)) {
            throw new IllegalArgumentException("a connection decision names a user exactly when it is allowed");
        }
        Objects.requireNonNull(grants, "grants (RoomGrants.NONE for none)");
    }

    /**
     * Accepted, for {@code user} with {@code grants}, until {@code expiresAt} (null: no end). The caller still
     * checks the user id as it checks a token's ({@code Authenticator.checkUser}).
     */
    public static ConnectDecision allow(String user, RoomGrants grants, Instant expiresAt) {
        return new ConnectDecision(true, user, grants, expiresAt, null, null);
    }

    /** Not accepted: the backend said no, for {@code reason}. */
    public static ConnectDecision refuse(String reason) {
        return new ConnectDecision(false, null, RoomGrants.NONE, null, FORBIDDEN, reason);
    }

    /** Not accepted, because there was no usable answer: {@code reason} says why. */
    public static ConnectDecision unavailable(String reason) {
        return new ConnectDecision(false, null, RoomGrants.NONE, null, BACKEND_UNAVAILABLE, reason);
    }
}
