/**
 * Netty transport: the server bootstrap and the pipeline. One port carries the WebSocket endpoint at
 * {@code /ws} and plain HTTP (API, health, metrics, page). After the upgrade a connection's pipeline is
 * WebSocket frames, then bytes, then STOMP frames, then the session.
 */
package io.roomcast.transport;
