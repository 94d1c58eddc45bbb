package io.roomcast.limits;

import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * A rate limit shared by everything with the same key on this node: a user's SENDs over all their connections,
 * a room's posts from all its members. One token bucket per key, made on first use; {@link #sweep} forgets the
 * keys whose bucket has refilled, so that an idle key costs nothing.
 *
 * <p>Per node, not per cluster: a user with connections on three nodes may send three times the rate. Sharing
 * the count over the bus would put a round trip on every SEND.
 *
 * <p>Thread-safe: each bucket is guarded by itself.
 */
public final class SharedRates {
    private final double rate;
    private final int burst;
    private final LongSupplier nanos;
    private final Map<String, TokenBucket> buckets = new ConcurrentHashMap<>();

    /** @param rate tokens a second per key; 0 for no limit */
    public SharedRates(double rate, int burst, LongSupplier nanos) {
        this.rate = rate;
        this.burst = burst;
        this.nanos = nanos;
    }

    /** Takes one token of {@code key}'s bucket; @return false when it is empty */
    public boolean tryTake(String key) {
        if (rate <= 0) {
            return true;
        }
        long now = nanos.getAsLong();
        TokenBucket bucket = buckets.computeIfAbsent(key, k -> new TokenBucket(rate, burst, now));
        synchronized (bucket) {
            return bucket.tryTake(now);
        }
    }

    /** Forgets keys whose bucket is full again; call now and then. */
    public void sweep() {
        long now = nanos.getAsLong();
        for (Iterator<TokenBucket> it = buckets.values().iterator(); it.hasNext(); ) {
            TokenBucket bucket = it.next();
            synchronized (bucket) {
                if (bucket.isFull(now)) {
                    it.remove();
                }
            }
        }
    }

    /** Keys with a bucket now (for tests and metrics). */
    public int size() {
        return buckets.size();
    }

    public double rate() {
        return rate;
    }

    public int burst() {
        return burst;
    }
}
