package io.roomcast.bus;

/**
 * Receives what the bus delivers to a node. Called from the bus's own threads; implementations must be
 * thread-safe, must not block, and must not throw.
 */
public interface BusListener {
    /**
     * The bus is connected to a log and is about to deliver from it. Called before the first message, and
     * again whenever the bus reconnects to a log it can't vouch is the same (for instance a new epoch).
     *
     * @param epoch       the log's epoch
     * @param nextOffsets per partition, the offset of the next message this node will receive
     */
    void onReady(String epoch, long[] nextOffsets);

    /** One message, in offset order per partition. */
    void onMessage(Published message);
}
