/**
 * The bus: an ordered, partitioned log that every node reads in full. {@link io.roomcast.bus.Bus} is the one
 * small interface; {@code memory} is the embedded single-process implementation, and the RocketMQ adapter
 * lives in its own module.
 *
 * <p>Every message belongs to one {@link io.roomcast.bus.Stream} (a room, a user, or the broadcast stream),
 * and a stream always maps to the same partition, so each stream is totally ordered. The bus gives every
 * message a {@link io.roomcast.bus.Position}: (epoch, partition, offset). Clients keep the last position they
 * saw and resume from it on any node.
 */
package io.roomcast.bus;
