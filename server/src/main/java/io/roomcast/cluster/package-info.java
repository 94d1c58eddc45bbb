/**
 * The cluster seen from one node: presence replicated over the bus's control stream, node heartbeats, and the
 * decision that a silent node is dead.
 */
package io.roomcast.cluster;
