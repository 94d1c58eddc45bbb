/**
 * From the bus to the sockets. Each bus message is encoded once per node into a shared, reference-counted
 * buffer; each event loop gets one task that writes it to all of that loop's subscribers and then flushes
 * every touched socket once, so that a burst of messages leaves in few syscalls.
 */
package io.roomcast.delivery;
