package io.roomcast.bus.rocketmq;

import org.apache.rocketmq.client.ClientConfig;
import org.apache.rocketmq.client.impl.MQClientManager;
import org.apache.rocketmq.client.impl.factory.MQClientInstance;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.remoting.netty.NettyClientConfig;

/**
 * Fewer thread hand-offs in the RocketMQ client. By default every answer from the broker crosses three
 * threads before anyone uses it: the Netty selector reads it, a worker group ({@code NettyClientWorkerThread})
 * decodes it, and a callback pool ({@code NettyClientPublicExecutor}) runs the callback. A bus node gets one
 * answer per message it consumes and one per send, and the cost is the hand-offs themselves (futex wake-ups and
 * context switches), not the decoding (see docs/rocketmq-bus.md#clientthreads-callbacks-on-the-selector).
 *
 * <p>Here the selector decodes and runs callbacks itself. Every callback the bus gives the client only
 * completes futures, hands messages on, or queues the next request; none blocks, which is what running on
 * the selector requires.
 */
final class ClientThreads {
    /**
     * The producer's client sleeps in two "guard" threads for its auto-batching, which the bus does not use
     * (its {@link RocketMqBus.Lane}s batch instead): they wake every {@code batchMaxDelayMs / 2} ms, 200 times a
     * second by default, even when nothing is sent. Not longer than this, though: {@code producer.shutdown()}
     * waits for each guard's sleep to end, one after the other (see
     * docs/rocketmq-bus.md#clientthreads-idle-accumulator-delay).
     */
    static final int IDLE_ACCUMULATOR_DELAY_MS = 200;

    private ClientThreads() {
    }

    /**
     * Applies to the client instance a producer or consumer with this configuration will use (RocketMQ shares one
     * per client id). Call before its {@code start()}: the client reads the worker-group setting when it connects.
     */
    static void inline(ClientConfig config) {
        MQClientInstance client = MQClientManager.getInstance().getOrCreateMQClientInstance(config);
        NettyClientConfig netty = client.getNettyClientConfig();
        netty.setDisableNettyWorkerGroup(true);
        netty.setDisableCallbackExecutor(true);
        if (config instanceof DefaultMQProducer producer) {
            producer.batchMaxDelayMs(IDLE_ACCUMULATOR_DELAY_MS);
        }
    }
}
