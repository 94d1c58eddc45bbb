package io.roomcast.delivery;

import io.roomcast.bus.Stream;

/**
 * One subscription of one connection to a bus stream, as the fan-out sees it. Implementations are confined
 * to their connection's event loop, where the fan-out calls them.
 */
public interface Subscriber {
    /** The stream it reads; never changes. */
    Stream stream();

    /** Where its frames go. */
    Outbound outbound();

    /**
     * Writes a live message without flushing, taking the frame from {@code frames} (shared with the loop's
     * other subscribers of the message).
     *
     * @return true when it wrote the message (the caller then flushes its outbound once per batch)
     */
    boolean deliver(EncodedMessage message, SharedFrames frames);
}
