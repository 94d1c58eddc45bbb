package io.roomcast.stomp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Turns a stream of bytes into {@link StompFrame}s.
 *
 * <p>The input is a byte stream, not a sequence of WebSocket messages, so several frames in one WebSocket
 * message and one frame split across continuation frames (or across messages) are the same case. Bare EOLs
 * between frames are heart-beats and are skipped.
 *
 * <p>Every limit in {@link StompLimits} is checked as soon as the bytes that break it have arrived, so a
 * client can never make the node buffer more than one frame's worth. The frame-size limit is one rule
 * ({@link #frameOfAtLeast}) applied to whatever is known of the frame, so a frame is held to it the same way
 * whether it arrives whole or in pieces. Scanning resumes where it stopped, so a frame that trickles in byte
 * by byte costs linear time. On the first malformed input it emits one failed
 * frame and then discards everything: the session closes the connection anyway.
 *
 * <p>Not sharable: one instance per connection. Holds no buffer between frames (the cumulation is released by
 * {@link ByteToMessageDecoder} once it has been read), so an idle connection costs only this object.
 */
public final class StompDecoder extends ByteToMessageDecoder {
    private final StompLimits limits;

    private boolean failed;
    // Partial-frame state; offsets are relative to the reader index, because the cumulation may be copied.
    private int scanned;          // bytes of the header block already searched for its end
    private int lineStart;        // start of the header line being scanned
    private int headerLength = -1;
    private StompCommand command;
    private StompHeaders headers;
    private int contentLength = -1;

    public StompDecoder(StompLimits limits) {
        this.limits = limits;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        StompFrame frame = decodeOne(in);
        if (frame != null) {
            out.add(frame);
            if (frame.isFailed()) {
                failed = true;
                in.skipBytes(in.readableBytes());
            }
        }
    }

    private StompFrame decodeOne(ByteBuf in) {
        if (headerLength < 0) {
            if (scanned == 0) {
                skipHeartBeats(in);
            }
            if (!in.isReadable()) {
                return null;
            }
            int end = findHeaderEnd(in);
            if (end < 0) {
                // Still to come: at least the blank line's EOL and the NUL.
                return frameOfAtLeast(in.readableBytes() + 2L);
            }
            headerLength = end - in.readerIndex();
            StompFrame failure = frameOfAtLeast(headerLength + 1L);
            if (failure == null) {
                failure = parseHeaderBlock(in.toString(in.readerIndex(), headerLength, StandardCharsets.UTF_8));
            }
            if (failure != null) {
                return failure;
            }
        }
        return contentLength >= 0 ? readSizedBody(in) : readNulTerminatedBody(in);
    }

    private static void skipHeartBeats(ByteBuf in) {
        while (in.isReadable()) {
            byte b = in.getByte(in.readerIndex());
            if (b != '\n' && b != '\r') {
                return;
            }
            in.skipBytes(1);
        }
    }

    /** @return the absolute index just past the blank line that ends the headers, or -1 if not yet received */
    private int findHeaderEnd(ByteBuf in) {
        int base = in.readerIndex();
        int limit = in.writerIndex();
        int from = base + scanned;
        while (from < limit) {
            int eol = in.indexOf(from, limit, (byte) '\n');
            if (eol < 0) {
                scanned = limit - base;
                return -1;
            }
            int lineLength = eol - (base + lineStart);
            boolean blank = lineLength == 0 || (lineLength == 1 && in.getByte(eol - 1) == '\r');
            if (blank && lineStart > 0) {
                return eol + 1;
            }
            lineStart = eol + 1 - base;
            from = eol + 1;
        }
        scanned = limit - base;
        return -1;
    }

    /**
     * The frame-size rule: command, headers, body and NUL within {@code --max-frame-bytes}.
     *
     * @param bytes what the frame is known to take at least, from what has arrived of it
     * @return a failed frame when that is over the limit, else null
     */
    private StompFrame frameOfAtLeast(long bytes) {
        if (bytes <= limits.maxFrameBytes()) {
            return null;
        }
        return StompFrame.tooLarge("frame of at least " + bytes + " bytes exceeds the maximum frame size of "
                + limits.maxFrameBytes() + " bytes");
    }

    /** @return a failed frame, or null after setting command, headers and contentLength */
    private StompFrame parseHeaderBlock(String block) {
        String[] lines = block.split("\n", -1);
        String commandLine = stripCr(lines[0]);
        command = StompCommand.of(commandLine);
        if (command == null) {
            return StompFrame.failed("unknown command '" + abbreviate(commandLine) + "'");
        }
        int headerLines = lines.length - 3; // command line, the blank line, and the empty string after it
        if (headerLines > limits.maxHeaders()) {
            return StompFrame.tooLarge("too many headers: " + headerLines + " (the limit is " + limits.maxHeaders()
                    + ")");
        }
        headers = new StompHeaders(Math.max(headerLines, 0));
        boolean escaped = command.escapesHeaders();
        for (int i = 1; i <= headerLines; i++) {
            StompFrame failure = parseHeader(stripCr(lines[i]), escaped);
            if (failure != null) {
                return failure;
            }
        }
        return parseContentLength();
    }

    private StompFrame parseHeader(String line, boolean escaped) {
        if (line.length() > limits.maxHeaderLength()) {
            return StompFrame.tooLarge("header line of " + line.length() + " characters exceeds the limit of "
                    + limits.maxHeaderLength());
        }
        int colon = line.indexOf(':');
        if (colon <= 0) {
            return StompFrame.failed(colon == 0 ? "header with an empty name: '" + abbreviate(line) + "'"
                    : "header line without a colon: '" + abbreviate(line) + "'");
        }
        String name = line.substring(0, colon);
        String value = line.substring(colon + 1);
        if (escaped) {
            name = StompHeaders.unescape(name);
            value = StompHeaders.unescape(value);
            if (name == null || value == null) {
                return StompFrame.failed("invalid escape sequence in header '" + abbreviate(line.substring(0, colon))
                        + "' (STOMP 1.2 allows only \\r \\n \\c \\\\)");
            }
        }
        headers.add(name, value);
        return null;
    }

    private StompFrame parseContentLength() {
        String value = headers.get("content-length");
        if (value == null) {
            contentLength = -1;
            return null;
        }
        long length;
        try {
            length = Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            return StompFrame.failed("content-length is not a number: '" + abbreviate(value) + "'");
        }
        if (length < 0) {
            return StompFrame.failed("content-length is negative: " + length);
        }
        if (length > limits.maxBodyBytes()) {
            return StompFrame.tooLarge("body of " + length + " bytes exceeds the limit of " + limits.maxBodyBytes()
                    + " bytes");
        }
        StompFrame tooLarge = frameOfAtLeast(headerLength + length + 1);
        if (tooLarge == null) {
            contentLength = (int) length;
        }
        return tooLarge;
    }

    private StompFrame readSizedBody(ByteBuf in) {
        int bodyStart = in.readerIndex() + headerLength;
        if (in.writerIndex() < bodyStart + contentLength + 1) {
            return null;
        }
        if (in.getByte(bodyStart + contentLength) != 0) {
            return StompFrame.failed("body is not followed by NUL after content-length " + contentLength
                    + " bytes");
        }
        return complete(in, bodyStart, contentLength);
    }

    private StompFrame readNulTerminatedBody(ByteBuf in) {
        int bodyStart = in.readerIndex() + headerLength;
        int nul = in.indexOf(bodyStart + Math.max(0, scanned - headerLength), in.writerIndex(), (byte) 0);
        if (nul < 0) {
            int received = in.writerIndex() - bodyStart;
            scanned = headerLength + received;
            if (received > limits.maxBodyBytes()) {
                return StompFrame.tooLarge("body exceeds the limit of " + limits.maxBodyBytes()
                        + " bytes before its NUL");
            }
            return frameOfAtLeast(headerLength + received + 1L);
        }
        int length = nul - bodyStart;
        if (length > limits.maxBodyBytes()) {
            return StompFrame.tooLarge("body of " + length + " bytes exceeds the limit of "
                    + limits.maxBodyBytes() + " bytes");
        }
        StompFrame tooLarge = frameOfAtLeast(headerLength + length + 1L);
        return tooLarge != null ? tooLarge : complete(in, bodyStart, length);
    }

    private StompFrame complete(ByteBuf in, int bodyStart, int length) {
        byte[] body = new byte[length];
        in.getBytes(bodyStart, body);
        in.readerIndex(bodyStart + length + 1);
        StompFrame frame = StompFrame.of(command, headers, body);
        reset();
        return frame;
    }

    private void reset() {
        scanned = 0;
        lineStart = 0;
        headerLength = -1;
        command = null;
        headers = null;
        contentLength = -1;
    }

    private static String stripCr(String line) {
        return line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
    }

    private static String abbreviate(String s) {
        String printable = s.replaceAll("\\p{Cntrl}", "?");
        return printable.length() <= 40 ? printable : printable.substring(0, 40) + "...";
    }
}
