package io.roomcast.testing;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A hand-written WebSocket client over a plain {@link Socket} (as in {@code SlowConsumerTest}), for clients
 * the JDK's and Spring's can't play: one that never reads, one with a tiny receive buffer set before
 * connecting, one bound to a chosen source address, one that writes many STOMP frames in one WebSocket
 * message.
 *
 * <p>Not thread-safe: one writer and one reader at most.
 */
public final class RawWebSocket implements AutoCloseable {
    /** Socket options applied before connecting (0 or null: the system's default). */
    public record Options(InetAddress local, int receiveBuffer, int sendBuffer) {
        public static final Options DEFAULT = new Options(null, 0, 0);

        public Options withReceiveBuffer(int bytes) {
            return new Options(local, bytes, sendBuffer);
        }

        public Options withSendBuffer(int bytes) {
            return new Options(local, receiveBuffer, bytes);
        }

        public Options from(InetAddress address) {
            return new Options(address, receiveBuffer, sendBuffer);
        }
    }

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    /** STOMP frames already split out of received WebSocket messages. */
    private final ArrayDeque<String> frames = new ArrayDeque<>();
    private final StringBuilder partial = new StringBuilder();

    private RawWebSocket(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    /** Connects to {@code 127.0.0.1:port} and completes the upgrade at {@code /ws} with {@code v12.stomp}. */
    public static RawWebSocket connect(int port, Options options, Duration timeout) throws IOException {
        Socket s = new Socket();
        try {
            if (options.receiveBuffer() > 0) {
                s.setReceiveBufferSize(options.receiveBuffer());
            }
            if (options.sendBuffer() > 0) {
                s.setSendBufferSize(options.sendBuffer());
            }
            if (options.local() != null) {
                s.bind(new InetSocketAddress(options.local(), 0));
            }
            s.setTcpNoDelay(true);
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), (int) timeout.toMillis());
            s.setSoTimeout((int) timeout.toMillis());
            RawWebSocket ws = new RawWebSocket(s);
            ws.upgrade();
            return ws;
        } catch (IOException e) {
            s.close();
            throw e;
        }
    }

    private void upgrade() throws IOException {
        byte[] nonce = new byte[16];
        ThreadLocalRandom.current().nextBytes(nonce);
        String key = Base64.getEncoder().encodeToString(nonce);
        out.write(("GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Version: 13\r\n"
                + "Sec-WebSocket-Protocol: v12.stomp\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("connection closed during the upgrade: " + head);
            }
            head.append((char) b);
            if (head.length() > 16384) {
                throw new IOException("upgrade answer too long");
            }
        }
        if (!head.toString().startsWith("HTTP/1.1 101")) {
            throw new IOException("upgrade refused: " + head.toString().split("\r\n")[0]);
        }
    }

    /** Sends CONNECT as {@code user} (insecure mode) and waits for CONNECTED; @return the CONNECTED frame */
    public String stompConnect(String user) throws IOException {
        send(text("CONNECT\naccept-version:1.2\nhost:x\nlogin:" + user + "\nheart-beat:0,0\n\n\0"));
        String f = nextFrame();
        if (!f.startsWith("CONNECTED\n")) {
            throw new IOException("expected CONNECTED, got " + f);
        }
        return f;
    }

    /** A masked, final WebSocket text frame carrying {@code text}: compute once, send many times. */
    public static byte[] text(String text) {
        return frame(0x1, text.getBytes(StandardCharsets.UTF_8));
    }

    /** A masked, final WebSocket frame with {@code opcode}. */
    public static byte[] frame(int opcode, byte[] payload) {
        ByteArrayOutputStream f = new ByteArrayOutputStream(payload.length + 14);
        f.write(0x80 | opcode);
        if (payload.length < 126) {
            f.write(0x80 | payload.length);
        } else if (payload.length < 65536) {
            f.write(0x80 | 126);
            f.write(payload.length >> 8);
            f.write(payload.length & 0xff);
        } else {
            f.write(0x80 | 127);
            long n = payload.length;
            for (int i = 7; i >= 0; i--) {
                f.write((int) (n >> (8 * i)) & 0xff);
            }
        }
        byte[] mask = new byte[4];
        ThreadLocalRandom.current().nextBytes(mask);
        f.write(mask, 0, 4);
        for (int i = 0; i < payload.length; i++) {
            f.write(payload[i] ^ mask[i & 3]);
        }
        return f.toByteArray();
    }

    public void send(byte[] frameBytes) throws IOException {
        out.write(frameBytes);
        out.flush();
    }

    /**
     * The next STOMP frame (without its NUL), reading WebSocket messages as needed; heart-beat EOLs are
     * skipped. For the set-up phase: splits at NUL, so bodies must not hold one.
     */
    public String nextFrame() throws IOException {
        while (frames.isEmpty()) {
            String message = readMessage();
            partial.append(message);
            int nul;
            while ((nul = partial.indexOf("\0")) >= 0) {
                String f = partial.substring(0, nul);
                partial.delete(0, nul + 1);
                int start = 0;
                while (start < f.length() && (f.charAt(start) == '\n' || f.charAt(start) == '\r')) {
                    start++;
                }
                if (start < f.length()) {
                    frames.add(f.substring(start));
                }
            }
        }
        return frames.poll();
    }

    /** The next frame that starts with {@code command}, skipping at most 1000 others. */
    public String nextFrame(String command) throws IOException {
        for (int i = 0; i < 1000; i++) {
            String f = nextFrame();
            if (f.startsWith(command + "\n")) {
                return f;
            }
        }
        throw new IOException("no " + command + " in 1000 frames");
    }

    /** Reads one whole data message (text or binary) as text; fails on a close frame. */
    private String readMessage() throws IOException {
        ByteArrayOutputStream message = new ByteArrayOutputStream();
        while (true) {
            int b0 = in.readUnsignedByte();
            int b1 = in.readUnsignedByte();
            long len = b1 & 0x7f;
            if (len == 126) {
                len = in.readUnsignedShort();
            } else if (len == 127) {
                len = in.readLong();
            }
            if ((b1 & 0x80) != 0) {
                in.readInt(); // a server never masks; skip the key if it did
            }
            byte[] payload = new byte[(int) len];
            in.readFully(payload);
            int opcode = b0 & 0x0f;
            if (opcode == 0x8) {
                throw new EOFException("the server closed the WebSocket: " + closeText(payload));
            }
            if (opcode == 0x9 || opcode == 0xA) {
                continue; // ping or pong
            }
            message.write(payload);
            if ((b0 & 0x80) != 0) {
                return message.toString(StandardCharsets.UTF_8);
            }
        }
    }

    private static String closeText(byte[] payload) {
        if (payload.length < 2) {
            return "no code";
        }
        return ((payload[0] & 0xff) << 8 | (payload[1] & 0xff)) + " "
                + new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8);
    }

    /**
     * Reads and throws away everything the node sends until the connection ends or {@code stop} says so,
     * counting bytes: a client that keeps up with its deliveries without looking at them.
     */
    public long discardUntilClosed(java.util.function.BooleanSupplier stop) {
        byte[] sink = new byte[64 * 1024];
        long total = 0;
        try {
            socket.setSoTimeout(200);
            InputStream raw = socket.getInputStream();
            while (!stop.getAsBoolean()) {
                try {
                    int n = raw.read(sink);
                    if (n < 0) {
                        return total;
                    }
                    total += n;
                } catch (java.net.SocketTimeoutException quiet) {
                    // nothing for 200 ms; look at stop again
                }
            }
        } catch (IOException e) {
            // reset or closed
        }
        return total;
    }

    public Socket socket() {
        return socket;
    }

    public OutputStream out() {
        return out;
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
