package io.roomcast.session;

import io.netty.buffer.PooledByteBufAllocator;
import io.roomcast.auth.InsecureAuthenticator;
import io.roomcast.bus.memory.MemoryBus;
import io.roomcast.config.Settings;
import io.roomcast.delivery.Dispatcher;
import io.roomcast.history.HistoryWindow;
import io.roomcast.limits.SharedRates;
import io.roomcast.history.Recovery;
import io.roomcast.metrics.NodeMetrics;
import io.roomcast.room.Outbox;
import io.roomcast.room.Presence;

/**
 * The session handler's parts, wired as a node wires them, on a memory bus and without a server: for tests that
 * drive {@link StompSessionHandler} on Netty's EmbeddedChannel. The bus has {@code settings.partitions}
 * partitions; the history window follows the {@code --history-*} settings; there is no log to read, so a resume
 * older than the window is {@code recovered:false}.
 *
 * <p>A memory bus publishes on the caller's thread: by the time a publish returns, the message is in the window
 * and queued for every event loop's fan-out.
 */
record EmbeddedNode(StompContext context, MemoryBus bus, HistoryWindow history, Dispatcher dispatcher)
        implements AutoCloseable {

    static EmbeddedNode start(Settings s) {
        MemoryBus bus = new MemoryBus(s.partitions);
        NodeMetrics metrics = new NodeMetrics(s.nodeId, "test");
        HistoryWindow history = new HistoryWindow(s.historyMaxMessages, s.historyMaxAge, s.historyMaxBytes,
                System::currentTimeMillis);
        Dispatcher dispatcher = new Dispatcher(history, PooledByteBufAllocator.DEFAULT);
        Presence presence = new Presence();
        Recovery recovery = new Recovery(history, null, s.recoveryMaxMessages, s.recoveryMaxAge,
                System::currentTimeMillis);
        bus.start(dispatcher);
        StompContext.Rates rates = new StompContext.Rates(
                new SharedRates(s.maxUserSendRate, s.maxUserSendBurst, System::nanoTime),
                new SharedRates(s.maxRoomPostRate, s.maxRoomPostBurst, System::nanoTime));
        StompContext context = new StompContext(s, s.nodeId, "Roomcast/test", new InsecureAuthenticator(), null, null,
                new JoinRules(s.roomAccess(), null, null, s.nodeId), new SessionRegistry(),
                new Outbox(bus, presence, s.nodeId), presence, history, new Resume(history, recovery, metrics),
                dispatcher, metrics, rates, () -> false);
        return new EmbeddedNode(context, bus, history, dispatcher);
    }

    @Override
    public void close() {
        bus.close();
    }
}
