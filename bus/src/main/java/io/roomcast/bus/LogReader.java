package io.roomcast.bus;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Reads old messages back from a bus that keeps its log (RocketMQ does; the memory bus doesn't). Used to
 * resume clients whose position is older than a node's in-memory window. Implementations are thread-safe and
 * never block the caller: reads run on their own threads.
 */
public interface LogReader {
    /**
     * The messages of {@code partition} with offsets in {@code [from, to)}, in offset order.
     *
     * @return a future of the messages; it may hold fewer than {@code to - from} when the log no longer has
     *     the oldest ones (the caller checks the offsets), and fails when the log can't be read
     */
    CompletableFuture<List<Published>> read(int partition, long from, long to);
}
