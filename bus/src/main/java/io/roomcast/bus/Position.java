package io.roomcast.bus;

/**
 * Where a message sits in the bus: the log's epoch, the partition and the offset within it. Clients treat the
 * text form as opaque; nodes use it to resume a stream.
 *
 * <p>The epoch names one incarnation of the log. A position from another epoch (a restarted memory bus, a
 * recreated topic, another broker cluster) can never be confused with a position in this one.
 *
 * @param offset the offset of a message; -1 means "before the first message of the partition"
 */
public record Position(String epoch, int partition, long offset) {
    private static final char SEP = '.';

    public Position {
        if (epoch.isEmpty() || epoch.indexOf(SEP) >= 0) {
            throw new IllegalArgumentException("epoch must be non-empty and contain no '" + SEP + "': " + epoch);
        }
    }

    /** @return the position in its text form, {@code epoch-partition-offset} */
    @Override
    public String toString() {
        return epoch + SEP + partition + SEP + offset;
    }

    /** @return the position, or {@code null} when {@code text} is not a position */
    public static Position parse(String text) {
        if (text == null) {
            return null;
        }
        int second = text.lastIndexOf(SEP);
        int first = second > 0 ? text.lastIndexOf(SEP, second - 1) : -1;
        if (first <= 0) {
            return null;
        }
        try {
            int partition = Integer.parseInt(text, first + 1, second, 10);
            long offset = Long.parseLong(text, second + 1, text.length(), 10);
            if (partition < 0 || offset < -1) {
                return null;
            }
            return new Position(text.substring(0, first), partition, offset);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
