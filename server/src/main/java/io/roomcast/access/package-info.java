/**
 * Who may do what in which room: the capabilities ({@link io.roomcast.access.Capability}), the grants a
 * connection's token carries ({@link io.roomcast.access.RoomGrants}), and the three ways a node decides a join
 * ({@code --room-access open|grants|proxy}). The backend decides; the node enforces.
 */
package io.roomcast.access;
