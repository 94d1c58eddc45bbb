package io.roomcast.bench.load;

import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;

/**
 * The few STOMP frames the generator writes, and the cheap reads it does on what comes back. Every timed
 * message body starts with {@code T<step>:<System.nanoTime()>:}, so latency needs no header parsing; the
 * generator and its publishers share one process, so their clocks agree.
 */
public final class Frames {
    private Frames() {
    }

    public static String connect(String login) {
        return "CONNECT\naccept-version:1.2\nhost:bench\nlogin:" + login + "\nheart-beat:0,0\n\n\0";
    }

    public static String subscribe(String id, String destination, String since, String receipt) {
        StringBuilder b = new StringBuilder(96).append("SUBSCRIBE\nid:").append(id).append("\ndestination:")
                .append(destination).append('\n');
        if (since != null) {
            b.append("since:").append(since).append('\n');
        }
        if (receipt != null) {
            b.append("receipt:").append(receipt).append('\n');
        }
        return b.append('\n').append('\0').toString();
    }

    /** A SEND whose body carries its step and its send time. {@code extraHeaders} is "name:value\n" lines. */
    public static String timedSend(String destination, String extraHeaders, int step, int padding) {
        StringBuilder b = new StringBuilder(128 + padding).append("SEND\ndestination:").append(destination)
                .append("\ncontent-type:text/plain\n").append(extraHeaders).append('\n')
                .append('T').append(step).append(':').append(System.nanoTime()).append(':');
        for (int i = 0; i < padding; i++) {
            b.append('x');
        }
        return b.append('\0').toString();
    }

    public static byte[] bytes(String frame) {
        return frame.getBytes(StandardCharsets.UTF_8);
    }

    /** What one received frame was; {@link Reader} fills it. */
    public enum Kind { CONNECTED, MESSAGE, RECEIPT, ERROR, OTHER }

    /**
     * Walks the STOMP frames in one WebSocket message (a server may put several in one) and calls back for
     * each. Headers are only looked at when asked for ({@code wantHeaders}), so that a timed MESSAGE costs a
     * scan for the blank line and a number parse.
     */
    public interface Sink {
        void frame(Kind kind, ByteBuf buf, int commandStart, int headersStart, int bodyStart, int end);
    }

    public static void read(ByteBuf buf, Sink sink) {
        int i = buf.readerIndex();
        int limit = buf.writerIndex();
        while (i < limit) {
            byte c = buf.getByte(i);
            if (c == '\n' || c == '\r') { // heart-beats and frame padding
                i++;
                continue;
            }
            int lineEnd = buf.indexOf(i, limit, (byte) '\n');
            if (lineEnd < 0) {
                return;
            }
            Kind kind = kind(buf, i, lineEnd);
            int headersEnd = headersEnd(buf, lineEnd, limit);
            if (headersEnd < 0) {
                return;
            }
            int bodyStart = headersEnd + 2;
            int end = buf.indexOf(bodyStart, limit, (byte) 0);
            if (end < 0) {
                end = limit;
            }
            sink.frame(kind, buf, i, lineEnd + 1, bodyStart, end);
            i = end + 1;
        }
    }

    private static int headersEnd(ByteBuf buf, int from, int limit) {
        for (int i = from; i + 1 < limit; i++) {
            if (buf.getByte(i) == '\n' && buf.getByte(i + 1) == '\n') {
                return i;
            }
        }
        return -1;
    }

    private static Kind kind(ByteBuf buf, int start, int lineEnd) {
        int length = lineEnd - start;
        return switch (buf.getByte(start)) {
            case 'M' -> Kind.MESSAGE;
            case 'R' -> Kind.RECEIPT;
            case 'E' -> Kind.ERROR;
            case 'C' -> length >= 9 ? Kind.CONNECTED : Kind.OTHER;
            default -> Kind.OTHER;
        };
    }

    /** The value of header {@code name} between {@code from} and {@code to}, or null. */
    public static String header(ByteBuf buf, int from, int to, String name) {
        int i = from;
        while (i < to) {
            int eol = buf.indexOf(i, to, (byte) '\n');
            if (eol < 0) {
                eol = to;
            }
            if (eol - i > name.length() && buf.getByte(i + name.length()) == ':'
                    && buf.toString(i, name.length(), StandardCharsets.UTF_8).equals(name)) {
                return buf.toString(i + name.length() + 1, eol - i - name.length() - 1, StandardCharsets.UTF_8);
            }
            i = eol + 1;
        }
        return null;
    }

    /** Parses {@code T<step>:<nanos>:}; returns false for a body that is not a timed message. */
    public static boolean timed(ByteBuf buf, int bodyStart, int end, long[] stepAndNanos) {
        if (bodyStart >= end || buf.getByte(bodyStart) != 'T') {
            return false;
        }
        long step = 0;
        int i = bodyStart + 1;
        byte c;
        while (i < end && (c = buf.getByte(i)) != ':') {
            step = step * 10 + (c - '0');
            i++;
        }
        long nanos = 0;
        i++;
        while (i < end && (c = buf.getByte(i)) != ':') {
            nanos = nanos * 10 + (c - '0');
            i++;
        }
        stepAndNanos[0] = step;
        stepAndNanos[1] = nanos;
        return true;
    }
}
