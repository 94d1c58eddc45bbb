package io.roomcast.testing;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Tracks the tries of a property-based test, so that its reliability row is written only when every try
 * passed.
 */
public final class CleanRun {
    /** A check that may throw anything. */
    public interface Check {
        void run() throws Exception;
    }

    private final AtomicBoolean failed = new AtomicBoolean();
    private final AtomicInteger passed = new AtomicInteger();

    /** Runs one try, remembering whether it failed. */
    public void check(Check check) throws Exception {
        try {
            check.run();
            passed.incrementAndGet();
        } catch (Exception | Error e) {
            failed.set(true);
            throw e;
        }
    }

    /** Records the row for docs/reliability.md if there were tries and none failed. */
    public void recordIfClean(String fault, String nodeDid, String test) {
        if (!failed.get() && passed.get() > 0) {
            Reliability.record("Malformed input", fault, nodeDid, "not applicable: one connection or request at"
                    + " a time", "nothing", test);
        }
    }
}
