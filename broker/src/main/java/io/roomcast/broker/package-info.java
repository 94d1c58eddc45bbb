/**
 * A local RocketMQ (NameServer and Broker in one small JVM) for demos, development and tests. Not part of the
 * node: production clusters run a real RocketMQ deployment.
 */
package io.roomcast.broker;
