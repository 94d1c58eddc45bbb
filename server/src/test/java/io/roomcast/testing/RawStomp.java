package io.roomcast.testing;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A WebSocket client that writes raw STOMP bytes (the JDK's own WebSocket client), for malformed input,
 * fragmentation and heart-beat tests. Received data is split into frames at NUL; bare EOLs are counted as
 * heart-beats.
 */
public final class RawStomp implements AutoCloseable {
    /** One client (one selector thread) for all test sockets. */
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private final WebSocket ws;
    private final BlockingQueue<String> frames = new LinkedBlockingQueue<>();
    private final CompletableFuture<Integer> closed = new CompletableFuture<>();
    private final java.io.ByteArrayOutputStream pending = new java.io.ByteArrayOutputStream();
    private volatile int heartBeats;
    private volatile String closeReason;

    private RawStomp(String url, java.util.Map<String, String> headers) throws Exception {
        WebSocket.Builder builder = HTTP.newWebSocketBuilder()
                .subprotocols("v12.stomp")
                .connectTimeout(Duration.ofSeconds(5));
        headers.forEach(builder::header);
        this.ws = builder.buildAsync(URI.create(url), new Listener()).get(10, TimeUnit.SECONDS);
    }

    /**
     * Opens {@code url} with extra handshake headers (Origin, X-Forwarded-For).
     *
     * @throws java.util.concurrent.ExecutionException whose cause is a {@link java.net.http.WebSocketHandshakeException}
     *     when the server refuses the upgrade
     */
    public static RawStomp openWith(String url, java.util.Map<String, String> headers) throws Exception {
        return new RawStomp(url, headers);
    }

    public static RawStomp open(TestNode node) {
        return open(node.wsUrl());
    }

    public static RawStomp open(String url) {
        try {
            return new RawStomp(url, java.util.Map.of());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Opens and sends CONNECT for {@code user}, waiting for CONNECTED. */
    public static RawStomp connect(TestNode node, String user) {
        return connect(node.wsUrl(), user);
    }

    /** Opens {@code url} and sends CONNECT for {@code user}, waiting for CONNECTED. */
    public static RawStomp connect(String url, String user) {
        RawStomp raw = open(url);
        raw.send("CONNECT\naccept-version:1.2\nhost:x\nlogin:" + user + "\n\n\0");
        assertThat(raw.next()).startsWith("CONNECTED\n");
        return raw;
    }

    /**
     * Opens {@code url} and sends CONNECT with {@code token} as its passcode ({@code --auth jwt}).
     *
     * @return the open connection and the server's answer to the CONNECT: CONNECTED, or the ERROR that refused it
     */
    public static Answered connectWithToken(String url, String token) {
        RawStomp raw = open(url);
        raw.send("CONNECT\naccept-version:1.2\nhost:x\npasscode:" + token + "\n\n\0");
        return new Answered(raw, raw.next());
    }

    /** A connection and the first frame the server answered on it. */
    public record Answered(RawStomp connection, String frame) {
        /** The connection, once its CONNECT was accepted. */
        public RawStomp connected() {
            assertThat(frame).as("the answer to CONNECT").startsWith("CONNECTED\n");
            return connection;
        }
    }

    /**
     * Sends {@code text} unless the connection is closed; @return false when it is closed, or closes while the
     * text is on its way (a flood's last frames race the server's close)
     */
    public boolean trySend(String text) {
        if (isClosed()) {
            return false;
        }
        try {
            ws.sendText(text, true).join();
            return true;
        } catch (java.util.concurrent.CompletionException | IllegalStateException e) {
            return false;
        }
    }

    public String subprotocol() {
        return ws.getSubprotocol();
    }

    public RawStomp send(String text) {
        ws.sendText(text, true).join();
        return this;
    }

    /** Sends {@code parts} as one WebSocket message split into continuation frames. */
    public RawStomp sendFragmented(String... parts) {
        for (int i = 0; i < parts.length; i++) {
            ws.sendText(parts[i], i == parts.length - 1).join();
        }
        return this;
    }

    public RawStomp sendBinary(byte[] bytes) {
        ws.sendBinary(ByteBuffer.wrap(bytes), true).join();
        return this;
    }

    /** The next complete frame (without its NUL), waiting up to 10 s. */
    public String next() {
        try {
            String f = frames.poll(10, TimeUnit.SECONDS);
            assertThat(f).as("a frame within 10 s").isNotNull();
            return f;
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    /** The next frame, waiting up to {@code wait}; null when none came. */
    public String poll(Duration wait) {
        try {
            return frames.poll(wait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    /** The next frame already received, or null: never waits. */
    public String poll() {
        return frames.poll();
    }

    /** The next frame that starts with {@code command}, skipping others. */
    public String next(String command) {
        for (int i = 0; i < 1000; i++) {
            String f = next();
            if (f.startsWith(command + "\n")) {
                return f;
            }
        }
        throw new AssertionError("no " + command);
    }

    /**
     * The next frame that is neither a room's {@code join} or {@code leave} event nor a RECEIPT, skipping those
     * (at most 1000): for a fence, the next message, whisper, direct message, refusal or ERROR the client got.
     */
    public String nextContent() {
        for (int i = 0; i < 1000; i++) {
            String f = next();
            String event = header(f, "event");
            boolean membership = f.startsWith("MESSAGE\n") && ("join".equals(event) || "leave".equals(event));
            if (!membership && !f.startsWith("RECEIPT\n")) {
                return f;
            }
        }
        throw new AssertionError("only joins, leaves and receipts in 1000 frames");
    }

    /**
     * The server's answer to the frame that asked for {@code receipt}: its RECEIPT, or the refusal (a MESSAGE with
     * {@code event:error}) that carries that {@code receipt-id}; other frames are skipped (at most 1000), an ERROR
     * is returned as it is. What it skips is gone: a refusal is written at once and a RECEIPT once the bus has the
     * message, so the answers to several frames in flight are read in arrival order instead.
     */
    public String answer(String receipt) {
        for (int i = 0; i < 1000; i++) {
            String f = next();
            boolean refusal = f.startsWith("MESSAGE\n") && "error".equals(header(f, "event"));
            if ((f.startsWith("RECEIPT\n") || refusal) && receipt.equals(header(f, "receipt-id"))
                    || f.startsWith("ERROR\n")) {
                return f;
            }
        }
        throw new AssertionError("no answer to receipt " + receipt);
    }

    /** Waits for the server to close the WebSocket; returns the close code. */
    public int awaitClose() {
        try {
            return closed.get(15, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("server did not close the connection", e);
        }
    }

    /** The close code, -1 for an error without a close frame, -2 after {@link #close()}, 0 while open. */
    public int closeCode() {
        return closed.getNow(0);
    }

    public boolean isClosed() {
        return closed.isDone();
    }

    public String closeReason() {
        return closeReason;
    }

    public int heartBeats() {
        return heartBeats;
    }

    /** Aborts the connection; {@link #isClosed()} is true afterwards. */
    @Override
    public void close() {
        ws.abort();
        closed.complete(-2);
    }

    private final class Listener implements WebSocket.Listener {
        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            accept(data.toString());
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            accept(StandardCharsets.UTF_8.decode(data).toString());
            webSocket.request(1);
            return null;
        }

        /** Splits the stream into frames, honouring content-length (in bytes) so that a body may hold NUL. */
        private synchronized void accept(String text) {
            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            pending.write(bytes, 0, bytes.length);
            byte[] buf = pending.toByteArray();
            int start = 0;
            while (true) {
                while (start < buf.length && (buf[start] == '\n' || buf[start] == '\r')) {
                    heartBeats++;
                    start++;
                }
                int headerEnd = indexOf(buf, start, "\n\n".getBytes(StandardCharsets.UTF_8));
                if (headerEnd < 0) {
                    break;
                }
                String head = new String(buf, start, headerEnd + 1 - start, StandardCharsets.UTF_8);
                String length = header(head, "content-length");
                int end = length != null ? headerEnd + 2 + Integer.parseInt(length)
                        : indexOf(buf, headerEnd, new byte[] {0});
                if (end < 0 || end >= buf.length) {
                    break;
                }
                frames.add(new String(buf, start, end - start, StandardCharsets.UTF_8));
                start = end + 1;
            }
            pending.reset();
            pending.write(buf, start, buf.length - start);
        }

        private static int indexOf(byte[] buf, int from, byte[] needle) {
            outer:
            for (int i = from; i <= buf.length - needle.length; i++) {
                for (int j = 0; j < needle.length; j++) {
                    if (buf[i + j] != needle[j]) {
                        continue outer;
                    }
                }
                return i;
            }
            return -1;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closeReason = reason;
            closed.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            closed.complete(-1);
        }
    }

    /** The value of {@code name} in a raw frame's headers, or null. */
    public static String header(String frame, String name) {
        for (String line : frame.split("\n")) {
            if (line.isEmpty()) {
                return null;
            }
            if (line.startsWith(name + ":")) {
                return line.substring(name.length() + 1);
            }
        }
        return null;
    }

    /** The body of a raw frame. */
    public static String body(String frame) {
        int i = frame.indexOf("\n\n");
        return i < 0 ? "" : frame.substring(i + 2);
    }
}
