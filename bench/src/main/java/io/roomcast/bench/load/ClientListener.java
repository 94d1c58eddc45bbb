package io.roomcast.bench.load;

/** What a scenario hears from its generated clients. Called on the clients' event loops. */
public interface ClientListener {
    ClientListener NONE = new ClientListener() {
    };

    default void connected(BenchClient client) {
    }

    default void receipt(BenchClient client, String receiptId) {
    }

    /** A timed message: {@code step} and {@code sentNanos} come from its body. */
    default void timed(BenchClient client, int step, long sentNanos, long receivedNanos) {
    }

    /** {@code event:recovery}, when the client asked to track positions. */
    default void recovery(BenchClient client, boolean recovered) {
    }

    default void error(BenchClient client, String message) {
    }

    default void closed(BenchClient client) {
    }
}
