package io.roomcast.testing;

import org.awaitility.core.ConditionTimeoutException;

import java.time.Duration;
import java.util.function.BooleanSupplier;

import static org.awaitility.Awaitility.await;

/** What the abuse tests ({@code io.roomcast.abuse}) share: starting the node, bounded waits, their figures. */
public final class Abuse {
    private Abuse() {
    }

    /** A node on the memory bus ({@link NodeProcess#startEmbedded}, -Xmx256m) with {@code flags}. */
    public static NodeProcess start(String id, String... flags) throws Exception {
        return NodeProcess.startEmbedded(id, flags);
    }

    /**
     * Waits until {@code condition} holds, at most {@code atMost}, polling every 50 ms.
     *
     * @return whether it held in time (the caller asserts, after recording its figures)
     */
    public static boolean within(Duration atMost, BooleanSupplier condition) {
        try {
            await().atMost(atMost).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(50))
                    .until(condition::getAsBoolean);
            return true;
        } catch (ConditionTimeoutException e) {
            return false;
        }
    }

    /** Whether the node's log so far mentions {@code text} (such as OutOfMemoryError). */
    public static boolean logMentions(NodeProcess node, String text) {
        return node.logTail(Integer.MAX_VALUE).contains(text);
    }

    /** Whether the node's process is still running. */
    public static boolean alive(NodeProcess node) {
        return node.process().isAlive();
    }

    /** Prints one line of a test's measured figures (before its assertions, so a failing run shows them too). */
    public static void figures(String test, String text) {
        System.out.println("[abuse] " + test + ": " + text);
    }

    /** Every readiness poll between {@code from} and {@code to} (watch time) was answered 200 within 2 s. */
    public static void checkReady(org.assertj.core.api.SoftAssertions soft, NodeWatch watch, long from, long to) {
        java.util.List<NodeWatch.Poll> polls = watch.polls(from, to);
        soft.assertThat(polls).as("readiness polls during the attack").isNotEmpty();
        soft.assertThat(polls.stream().filter(p -> !p.ok()).toList())
                .as("readiness polls not answered 200 within 2 s").isEmpty();
    }

    public static String mib(double bytes) {
        return Double.isNaN(bytes) ? "n/a" : String.format("%.1f MiB", bytes / (1024 * 1024));
    }
}
