package io.roomcast.bus.rocketmq;

import org.apache.rocketmq.remoting.protocol.RemotingCommand;

/**
 * The RocketMQ client writes every request's header (a send, each pull) as JSON unless told otherwise, and
 * decodes each JSON answer through fastjson, a large share of what a clustered node allocates (see
 * docs/rocketmq-bus.md#remotingheaders-binary-headers). RocketMQ's own binary header encoding
 * ({@code ROCKETMQ}) writes the send and pull headers field by field instead. Every RocketMQ broker and
 * client reads both encodings (each frame names its own), so this changes nothing for the other side.
 *
 * <p>The client reads the choice once, into a static field, when its {@code RemotingCommand} class is first
 * used: {@link #preferBinary} must run before that, which is why {@link RocketMqBus} calls it from its static
 * initializer. An operator's own choice ({@code -Drocketmq.serialize.type} or
 * {@code ROCKETMQ_SERIALIZE_TYPE}) wins.
 */
final class RemotingHeaders {
    static final String BINARY = "ROCKETMQ";

    private RemotingHeaders() {
    }

    static void preferBinary() {
        if (System.getProperty(RemotingCommand.SERIALIZE_TYPE_PROPERTY) == null
                && System.getenv(RemotingCommand.SERIALIZE_TYPE_ENV) == null) {
            System.setProperty(RemotingCommand.SERIALIZE_TYPE_PROPERTY, BINARY);
        }
    }
}
