package io.roomcast.limits;

import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.GenericFutureListener;
import io.roomcast.refusal.Refusal;
import io.roomcast.refusal.Refusal.Code;

import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * The node's WebSocket connections, counted in total and per client address, with a connect rate per address;
 * and its HTTP connections per address. The handshake asks {@link #admit} before upgrading, a connection's
 * first plain HTTP request asks {@link #admitHttp}; the connection {@link Admission#release releases} its place
 * when it closes.
 *
 * <p>An address's record stays while it has connections or its rate bucket is not yet full again, so that
 * connecting and closing in a loop does not reset its rate. {@link #sweep} forgets the others.
 *
 * <p>Thread-safe.
 */
public final class ConnectionLimits {
    /**
     * A place taken by one connection; released once (more calls do nothing). It listens for the channel's
     * close itself, so a connection carries one small object for it.
     */
    public final class Admission implements GenericFutureListener<Future<? super Void>> {
        private final Address address;
        private final boolean websocket;
        private boolean released;

        private Admission(Address address, boolean websocket) {
            this.address = address;
            this.websocket = websocket;
        }

        public void release() {
            synchronized (address) {
                if (released) {
                    return;
                }
                released = true;
                if (websocket) {
                    address.open--;
                } else {
                    address.http--;
                }
            }
            if (websocket) {
                total.decrementAndGet();
            }
        }

        @Override
        public void operationComplete(Future<? super Void> closed) {
            release();
        }
    }

    private final int maxConnections;
    private final int maxPerAddress;
    private final int maxHttpPerAddress;
    private final double ratePerAddress;
    private final int burstPerAddress;
    private final LongSupplier nanos;
    private final AtomicInteger total = new AtomicInteger();
    private final Map<String, Address> addresses = new ConcurrentHashMap<>();

    private static final class Address {
        int open;
        int http;
        boolean forgotten;
        final TokenBucket connects;

        Address(TokenBucket connects) {
            this.connects = connects;
        }
    }

    /**
     * @param ratePerAddress    new WebSocket connections per second per address; 0 for no rate limit
     * @param maxHttpPerAddress connections per address that made a plain HTTP request
     */
    public ConnectionLimits(int maxConnections, int maxPerAddress, double ratePerAddress, int burstPerAddress,
                            int maxHttpPerAddress, LongSupplier nanos) {
        this.maxConnections = maxConnections;
        this.maxPerAddress = maxPerAddress;
        this.maxHttpPerAddress = maxHttpPerAddress;
        this.ratePerAddress = ratePerAddress;
        this.burstPerAddress = burstPerAddress;
        this.nanos = nanos;
    }

    /**
     * Takes a place for a new connection from {@code address}.
     *
     * @throws Refusal naming the limit it hit
     */
    public Admission admit(String address) throws Refusal {
        return admit(address, true);
    }

    /**
     * Takes a place for a connection from {@code address} that made a plain HTTP request (not an upgrade).
     *
     * @throws Refusal when the address has {@code maxHttpPerAddress} such connections open
     */
    public Admission admitHttp(String address) throws Refusal {
        return admit(address, false);
    }

    private Admission admit(String address, boolean websocket) throws Refusal {
        while (true) {
            long now = nanos.getAsLong();
            Address a = addresses.computeIfAbsent(address, k -> new Address(ratePerAddress > 0
                    ? new TokenBucket(ratePerAddress, burstPerAddress, now) : null));
            synchronized (a) {
                if (a.forgotten) {
                    continue; // swept between the lookup and the lock: take the new record
                }
                if (websocket) {
                    take(a, address, now);
                } else {
                    takeHttp(a, address);
                }
            }
            return new Admission(a, websocket);
        }
    }

    private void takeHttp(Address a, String address) throws Refusal {
        if (a.http >= maxHttpPerAddress) {
            throw new Refusal(Code.HTTP_CONNECTIONS_PER_IP, "too many HTTP connections from " + address
                    + " (the limit is " + maxHttpPerAddress + ", --max-http-connections-per-ip); reuse one or"
                    + " close some");
        }
        a.http++;
    }

    private void take(Address a, String address, long now) throws Refusal {
        if (a.open >= maxPerAddress) {
            throw new Refusal(Code.CONNECTIONS_PER_IP, "too many connections from " + address
                    + " (the limit is " + maxPerAddress + ")");
        }
        if (a.connects != null && !a.connects.tryTake(now)) {
            throw new Refusal(Code.CONNECT_RATE_PER_IP, "connecting too fast from " + address
                    + " (the limit is " + fmt(ratePerAddress) + " a second, bursts of " + burstPerAddress
                    + "); wait and retry");
        }
        if (total.incrementAndGet() > maxConnections) {
            total.decrementAndGet();
            throw new Refusal(Code.CONNECTIONS, "this node is full (" + maxConnections
                    + " connections); connect to another node");
        }
        a.open++;
    }

    /** The node's open WebSocket connections. */
    public int total() {
        return total.get();
    }

    /** Forgets addresses with no connection and a full bucket; call now and then. */
    public void sweep() {
        long now = nanos.getAsLong();
        for (Iterator<Map.Entry<String, Address>> it = addresses.entrySet().iterator(); it.hasNext(); ) {
            Address a = it.next().getValue();
            synchronized (a) {
                if (a.open == 0 && a.http == 0 && (a.connects == null || a.connects.isFull(now))) {
                    a.forgotten = true;
                    it.remove();
                }
            }
        }
    }

    private static String fmt(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }
}
