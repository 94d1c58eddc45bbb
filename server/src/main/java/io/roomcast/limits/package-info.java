/**
 * Abuse limits that do not belong to one protocol step: token buckets, and the per-IP and per-node connection
 * accounting the WebSocket handshake consults. Each limit is a setting (see the README's limits table).
 */
package io.roomcast.limits;
