package io.roomcast.bus;

/**
 * A message the bus has accepted and placed: the envelope with its position and the time the bus took it.
 * Immutable.
 */
public record Published(Position position, Envelope envelope, long timestampMillis) {
    public Stream stream() {
        return envelope.stream();
    }

    public long offset() {
        return position.offset();
    }

    public int partition() {
        return position.partition();
    }
}
