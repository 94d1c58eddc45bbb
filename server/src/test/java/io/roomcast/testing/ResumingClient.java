package io.roomcast.testing;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.roomcast.testing.RawStomp.body;
import static io.roomcast.testing.RawStomp.header;

/**
 * A client that does what DESIGN.md asks of clients: it keeps the last position of each subscription, and
 * when its connection drops it reconnects (through the load balancer) and resubscribes with {@code since}.
 * Driven by {@link #pump()} from the test's loop; never blocks.
 */
public final class ResumingClient {
    private final String url;
    private final String user;
    private final Map<String, String> destinations = new LinkedHashMap<>();
    private final Map<String, String> lastPosition = new LinkedHashMap<>();
    private final Map<String, List<String>> bodies = new LinkedHashMap<>();
    private final List<String> problems = new ArrayList<>();
    private final List<String> nodes = new ArrayList<>();
    private final List<Integer> closeCodes = new ArrayList<>();
    private RawStomp raw;
    private int reconnects;
    private long droppedAtNanos = -1;
    private long lastResumeMillis = -1;
    private boolean awaitingRecovery;

    /**
     * Subscriptions in the order given, as id/destination pairs. Rooms should come before the user queue: a
     * live whisper reaches only sessions that are already in its room.
     */
    public static Map<String, String> subscriptions(String... idDestinationPairs) {
        Map<String, String> subs = new LinkedHashMap<>();
        for (int i = 0; i + 1 < idDestinationPairs.length; i += 2) {
            subs.put(idDestinationPairs[i], idDestinationPairs[i + 1]);
        }
        return subs;
    }

    public ResumingClient(String url, String user, Map<String, String> subscriptions) {
        this.url = url;
        this.user = user;
        destinations.putAll(subscriptions);
        destinations.keySet().forEach(id -> bodies.put(id, new ArrayList<>()));
    }

    /** Connects and subscribes (with {@code since} when it has positions). */
    public void connect() {
        raw = RawStomp.open(url);
        String connected;
        try {
            raw.send("CONNECT\naccept-version:1.2\nhost:x\nlogin:" + user + "\n\n\0");
            connected = raw.next("CONNECTED");
        } catch (RuntimeException | AssertionError e) {
            raw.close(); // the next pump starts over
            throw e;
        }
        nodes.add(header(connected, "node"));
        for (Map.Entry<String, String> sub : destinations.entrySet()) {
            String since = lastPosition.get(sub.getKey());
            raw.send("SUBSCRIBE\nid:" + sub.getKey() + "\ndestination:" + sub.getValue() + "\nreceipt:" + sub.getKey()
                    + (since == null ? "" : "\nsince:" + since) + "\n\n\0");
        }
        awaitingRecovery = !lastPosition.isEmpty();
    }

    /** Handles what has arrived; reconnects if the connection dropped. */
    public void pump() {
        String frame;
        while ((frame = raw.poll()) != null) {
            handle(frame);
        }
        if (raw.isClosed()) {
            if (droppedAtNanos < 0) {
                droppedAtNanos = System.nanoTime();
                closeCodes.add(raw.closeCode());
            }
            try {
                raw.close();
                connect();
                reconnects++;
            } catch (RuntimeException | AssertionError notYet) {
                // the balancer has no node for us yet; the next pump tries again
            }
        }
    }

    private void handle(String frame) {
        String sub = frame.startsWith("RECEIPT\n") ? header(frame, "receipt-id") : header(frame, "subscription");
        if (frame.startsWith("RECEIPT\n")) {
            lastPosition.putIfAbsent(sub, header(frame, "position"));
            return;
        }
        if (!frame.startsWith("MESSAGE\n") || !destinations.containsKey(sub)) {
            if (frame.startsWith("ERROR\n")) {
                problems.add(user + ": ERROR " + header(frame, "message"));
            }
            return;
        }
        String event = header(frame, "event");
        if ("recovery".equals(event)) {
            if (!"true".equals(header(frame, "recovered"))) {
                problems.add(user + ": not recovered on " + sub + " from " + header(frame, "since"));
            }
            if (awaitingRecovery && droppedAtNanos >= 0) {
                lastResumeMillis = (System.nanoTime() - droppedAtNanos) / 1_000_000;
                droppedAtNanos = -1;
            }
            awaitingRecovery = false;
            return;
        }
        lastPosition.put(sub, header(frame, "position"));
        if ("message".equals(event) || "direct".equals(event) || "whisper".equals(event)) {
            bodies.get(sub).add(body(frame));
        }
    }

    public List<String> bodies(String subscription) {
        return bodies.get(subscription);
    }

    public List<String> problems() {
        return problems;
    }

    public int reconnects() {
        return reconnects;
    }

    /** The nodes this client was connected to, in order. */
    public List<String> nodes() {
        return nodes;
    }

    /** Milliseconds from noticing the drop to the recovery event after the last reconnect, or -1. */
    public long lastResumeMillis() {
        return lastResumeMillis;
    }

    /** The close codes of the connections that dropped (-1: no close frame, the socket just died). */
    public List<Integer> closeCodes() {
        return closeCodes;
    }

    public String user() {
        return user;
    }

    public void close() {
        if (raw != null) {
            raw.close();
        }
    }
}
