package io.roomcast.session;

import java.time.Duration;

/**
 * The outcome of STOMP heart-beat negotiation (STOMP 1.2, "Heart-beating").
 *
 * @param sendMillis   how often the server must send something; 0 for never
 * @param expectMillis how often the client promised to send something; 0 for never
 */
public record HeartBeat(long sendMillis, long expectMillis) {
    public static final HeartBeat NONE = new HeartBeat(0, 0);

    /**
     * @param clientHeader the client's {@code heart-beat} header ({@code cx,cy}), or null for "0,0"
     * @param serverSend   how often this server can send; zero disables
     * @param serverWant   how often this server wants to hear from clients; zero disables
     * @throws IllegalArgumentException when the header is malformed
     */
    public static HeartBeat negotiate(String clientHeader, Duration serverSend, Duration serverWant) {
        if (clientHeader == null) {
            return NONE;
        }
        String[] parts = clientHeader.split(",", -1);
        if (parts.length != 2) {
            throw new IllegalArgumentException("invalid heart-beat header '" + clientHeader
                    + "': expected two numbers such as '10000,10000'");
        }
        long clientSends;
        long clientWants;
        try {
            clientSends = Long.parseLong(parts[0].trim());
            clientWants = Long.parseLong(parts[1].trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid heart-beat header '" + clientHeader + "': not numbers");
        }
        if (clientSends < 0 || clientWants < 0) {
            throw new IllegalArgumentException("invalid heart-beat header '" + clientHeader + "': negative");
        }
        long send = serverSend.isZero() || clientWants == 0 ? 0 : Math.max(serverSend.toMillis(), clientWants);
        long expect = serverWant.isZero() || clientSends == 0 ? 0 : Math.max(serverWant.toMillis(), clientSends);
        return new HeartBeat(send, expect);
    }

    /** The server's own {@code heart-beat} header for CONNECTED. */
    public static String serverHeader(Duration serverSend, Duration serverWant) {
        return serverSend.toMillis() + "," + serverWant.toMillis();
    }
}
