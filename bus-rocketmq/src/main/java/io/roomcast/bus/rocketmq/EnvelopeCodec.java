package io.roomcast.bus.rocketmq;

import io.roomcast.bus.Envelope;
import io.roomcast.bus.Stream;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The bytes of an envelope on the RocketMQ topic: a magic byte and a version, the envelope's fields, then the
 * body. Binary so that any payload, including NUL bytes, travels unchanged. Stateless and thread-safe.
 */
public final class EnvelopeCodec {
    private static final byte MAGIC = 'R';
    private static final byte VERSION = 1;

    private EnvelopeCodec() {
    }

    public static byte[] encode(Envelope e) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + e.body().length);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(MAGIC);
            out.writeByte(VERSION);
            out.writeUTF(e.stream().key());
            out.writeUTF(e.event());
            writeNullable(out, e.from());
            writeNullable(out, e.room());
            writeNullable(out, e.user());
            writeNullable(out, e.contentType());
            out.writeShort(e.headers().size());
            for (Map.Entry<String, String> h : e.headers().entrySet()) {
                out.writeUTF(h.getKey());
                out.writeUTF(h.getValue());
            }
            out.writeInt(e.body().length);
            out.write(e.body());
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        return bytes.toByteArray();
    }

    /** @throws IllegalArgumentException when {@code bytes} is not an envelope this version can read */
    public static Envelope decode(byte[] bytes) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            if (in.readByte() != MAGIC) {
                throw new IllegalArgumentException("not a Roomcast envelope (bad magic byte)");
            }
            byte version = in.readByte();
            if (version != VERSION) {
                throw new IllegalArgumentException("envelope version " + version + " is not supported");
            }
            String key = in.readUTF();
            Stream stream = Stream.ofKey(key);
            if (stream == null) {
                throw new IllegalArgumentException("unknown stream key '" + key + "'");
            }
            String event = in.readUTF();
            String from = readNullable(in);
            String room = readNullable(in);
            String user = readNullable(in);
            String contentType = readNullable(in);
            int headerCount = in.readUnsignedShort();
            Map<String, String> headers = headerCount == 0 ? Map.of() : new LinkedHashMap<>();
            for (int i = 0; i < headerCount; i++) {
                headers.put(in.readUTF(), in.readUTF());
            }
            int length = in.readInt();
            if (length < 0 || length > bytes.length) {
                throw new IllegalArgumentException("body length " + length + " is impossible");
            }
            byte[] body = in.readNBytes(length);
            return new Envelope(stream, event, from, room, user, contentType, headers, body);
        } catch (IOException ex) {
            throw new IllegalArgumentException("truncated envelope: " + ex.getMessage(), ex);
        }
    }

    private static void writeNullable(DataOutputStream out, String s) throws IOException {
        out.writeBoolean(s != null);
        if (s != null) {
            out.writeUTF(s);
        }
    }

    private static String readNullable(DataInputStream in) throws IOException {
        return in.readBoolean() ? in.readUTF() : null;
    }
}
