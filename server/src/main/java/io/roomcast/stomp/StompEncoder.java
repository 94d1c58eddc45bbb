package io.roomcast.stomp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import java.nio.charset.StandardCharsets;

/**
 * Encodes server frames. Stateless and thread-safe.
 *
 * <p>Every frame with a body gets a {@code content-length}, so a body may contain NUL bytes.
 */
public final class StompEncoder {
    private StompEncoder() {
    }

    /** @return a new buffer holding the whole frame; the caller owns it */
    public static ByteBuf encode(ByteBufAllocator alloc, StompCommand command, StompHeaders headers, byte[] body) {
        ByteBuf buf = alloc.buffer(64 + headers.size() * 32 + body.length);
        writeCommand(buf, command);
        boolean escape = command.escapesHeaders();
        for (int i = 0; i < headers.size(); i++) {
            writeHeader(buf, headers.name(i), headers.value(i), escape);
        }
        if (body.length > 0 && headers.get("content-length") == null) {
            writeHeader(buf, "content-length", Integer.toString(body.length), false);
        }
        buf.writeByte('\n');
        buf.writeBytes(body);
        buf.writeByte(0);
        return buf;
    }

    public static void writeCommand(ByteBuf buf, StompCommand command) {
        buf.writeCharSequence(command.name(), StandardCharsets.US_ASCII);
        buf.writeByte('\n');
    }

    public static void writeHeader(ByteBuf buf, String name, String value, boolean escape) {
        ByteBufUtil.writeUtf8(buf, escape ? StompHeaders.escape(name) : name);
        buf.writeByte(':');
        ByteBufUtil.writeUtf8(buf, escape ? StompHeaders.escape(value) : value);
        buf.writeByte('\n');
    }
}
