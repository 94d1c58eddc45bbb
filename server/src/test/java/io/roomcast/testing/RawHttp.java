package io.roomcast.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A small HTTP/1.1 client over a plain {@link Socket}, for tests that need what the JDK's client can't give:
 * a chosen source address (127.0.0.2 is not 127.0.0.1 to a per-address limit), one keep-alive connection
 * under the test's control, raw pipelined bytes, and a hard deadline on every answer.
 *
 * <p>Not thread-safe: one connection, one caller.
 */
public final class RawHttp implements AutoCloseable {
    /** One answer. {@code nanos} is how long it took from the request's first byte to the answer's last. */
    public record Response(int status, Map<String, String> headers, String body, long nanos) {
        /** A header by lower-case name, or null. */
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        public long millis() {
            return nanos / 1_000_000;
        }

        public boolean closesConnection() {
            return "close".equalsIgnoreCase(header("connection"));
        }
    }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final byte[] buf = new byte[16 * 1024];
    private int bufStart;
    private int bufEnd;

    private RawHttp(Socket socket) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    /**
     * Connects to {@code 127.0.0.1:port}.
     *
     * @param local   the source address to bind (such as 127.0.0.2), or null for any
     * @param timeout the connect timeout
     */
    public static RawHttp open(int port, InetAddress local, Duration timeout) throws IOException {
        Socket s = new Socket();
        try {
            if (local != null) {
                s.bind(new InetSocketAddress(local, 0));
            }
            s.setTcpNoDelay(true);
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), (int) timeout.toMillis());
            return new RawHttp(s);
        } catch (IOException e) {
            s.close();
            throw e;
        }
    }

    /** A new connection, one request with {@code Connection: close}, its answer; never longer than {@code timeout}. */
    public static Response once(int port, InetAddress local, String method, String path, String body, Duration timeout,
                                String... headerPairs) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String[] headers = new String[headerPairs.length + 2];
        System.arraycopy(headerPairs, 0, headers, 0, headerPairs.length);
        headers[headerPairs.length] = "Connection";
        headers[headerPairs.length + 1] = "close";
        try (RawHttp http = open(port, local, timeout)) {
            return http.request(method, path, body, Duration.ofNanos(Math.max(1_000_000, deadline - System.nanoTime())),
                    headers);
        }
    }

    /** The 127.0.0.x address {@code x}, for binding a client's source. */
    public static InetAddress loopback(int x) {
        try {
            return InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) x});
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public Socket socket() {
        return socket;
    }

    /** Sends one request on this connection and reads its answer within {@code timeout}. */
    public Response request(String method, String path, String body, Duration timeout, String... headerPairs)
            throws IOException {
        long started = System.nanoTime();
        long deadline = started + timeout.toNanos();
        byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        StringBuilder sb = new StringBuilder().append(method).append(' ').append(path).append(" HTTP/1.1\r\n")
                .append("Host: 127.0.0.1\r\n");
        for (int i = 0; i + 1 < headerPairs.length; i += 2) {
            sb.append(headerPairs[i]).append(": ").append(headerPairs[i + 1]).append("\r\n");
        }
        if (body != null) {
            sb.append("Content-Type: application/json\r\n");
        }
        if (body != null || method.equals("POST") || method.equals("PUT")) {
            sb.append("Content-Length: ").append(bytes.length).append("\r\n");
        }
        sb.append("\r\n");
        out.write(sb.toString().getBytes(StandardCharsets.US_ASCII));
        out.write(bytes);
        out.flush();
        Response r = readResponse(deadline);
        return new Response(r.status(), r.headers(), r.body(), System.nanoTime() - started);
    }

    /** Writes raw bytes (pipelined or partial requests). */
    public void write(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** Reads one answer, waiting until {@code deadline} ({@link System#nanoTime()}). */
    public Response readResponse(long deadline) throws IOException {
        String head = readHead(deadline);
        String[] lines = head.split("\r\n");
        String[] statusLine = lines[0].split(" ", 3);
        if (statusLine.length < 2 || !statusLine[0].startsWith("HTTP/")) {
            throw new IOException("not an HTTP status line: " + lines[0]);
        }
        int status = Integer.parseInt(statusLine[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
            }
        }
        byte[] body;
        String length = headers.get("content-length");
        if (length != null) {
            body = readExactly(Integer.parseInt(length), deadline);
        } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            body = readChunked(deadline);
        } else if ("close".equalsIgnoreCase(headers.get("connection"))) {
            body = readToEnd(deadline);
        } else {
            body = new byte[0];
        }
        return new Response(status, headers, new String(body, StandardCharsets.UTF_8), 0);
    }

    /**
     * Waits up to {@code timeout} for the node to close this connection, discarding whatever it sends.
     *
     * @return true when the connection ended (EOF or reset), false when it was still open at the deadline
     */
    public boolean awaitClosedByPeer(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            bufStart = bufEnd;
            while (true) {
                if (fill(deadline) < 0) {
                    return true;
                }
                bufStart = bufEnd;
            }
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset
        }
    }

    private String readHead(long deadline) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        while (matched < 4) {
            if (bufStart == bufEnd && fill(deadline) < 0) {
                throw new IOException("connection closed before an answer" + (head.size() > 0 ? " (got " + head + ")" : ""));
            }
            byte b = buf[bufStart++];
            head.write(b);
            matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
            if (head.size() > 64 * 1024) {
                throw new IOException("answer head over 64 KiB");
            }
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    private byte[] readExactly(int n, long deadline) throws IOException {
        byte[] body = new byte[n];
        int got = 0;
        while (got < n) {
            if (bufStart == bufEnd && fill(deadline) < 0) {
                throw new IOException("connection closed after " + got + " of " + n + " body bytes");
            }
            int take = Math.min(n - got, bufEnd - bufStart);
            System.arraycopy(buf, bufStart, body, got, take);
            bufStart += take;
            got += take;
        }
        return body;
    }

    private byte[] readChunked(long deadline) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            String sizeLine = readLine(deadline);
            int size = Integer.parseInt(sizeLine.split(";")[0].trim(), 16);
            if (size == 0) {
                readLine(deadline); // the blank line after the last chunk (no trailers expected)
                return body.toByteArray();
            }
            body.write(readExactly(size, deadline));
            readLine(deadline);
        }
    }

    private String readLine(long deadline) throws IOException {
        StringBuilder sb = new StringBuilder();
        while (true) {
            if (bufStart == bufEnd && fill(deadline) < 0) {
                throw new IOException("connection closed in a chunked body");
            }
            char c = (char) buf[bufStart++];
            if (c == '\n') {
                return sb.toString().trim();
            }
            sb.append(c);
        }
    }

    private byte[] readToEnd(long deadline) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            if (bufStart == bufEnd && fill(deadline) < 0) {
                return body.toByteArray();
            }
            body.write(buf, bufStart, bufEnd - bufStart);
            bufStart = bufEnd;
        }
    }

    /** Reads more bytes into the buffer; -1 at EOF; a {@link SocketTimeoutException} past the deadline. */
    private int fill(long deadline) throws IOException {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            throw new SocketTimeoutException("no answer in time");
        }
        socket.setSoTimeout((int) Math.max(1, left / 1_000_000));
        if (bufStart == bufEnd) {
            bufStart = 0;
            bufEnd = 0;
        }
        int n = in.read(buf, bufEnd, buf.length - bufEnd);
        if (n > 0) {
            bufEnd += n;
        }
        return n;
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
