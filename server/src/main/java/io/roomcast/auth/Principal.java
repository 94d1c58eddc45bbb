package io.roomcast.auth;

import io.roomcast.access.RoomGrants;

import java.time.Instant;

/**
 * Who a connection speaks for, as its credentials said.
 *
 * @param user      the user id
 * @param grants    the rooms the credentials grant ({@link RoomGrants#NONE} when they grant none)
 * @param expiresAt when the credentials end and the connection with them, unless refreshed; null for never
 */
public record Principal(String user, RoomGrants grants, Instant expiresAt) {
    /** A principal with no grants that never expires (insecure mode). */
    public static Principal of(String user) {
        return new Principal(user, RoomGrants.NONE, null);
    }
}
