/**
 * The cluster bus on Apache RocketMQ. One topic with N queues; a stream (room, user, broadcast, control) always
 * goes to queue {@code hash(stream key) mod N}, so each stream is ordered. Every node consumes every queue in
 * BROADCASTING mode, in order, and a message's position is (epoch, queue, queue offset), the same on every node.
 *
 * <p>{@link io.roomcast.bus.rocketmq.EnvelopeCodec} is the wire format that nodes and the client SDK's
 * RocketMQ transport share.
 */
package io.roomcast.bus.rocketmq;
