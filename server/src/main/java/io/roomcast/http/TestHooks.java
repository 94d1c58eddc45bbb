package io.roomcast.http;

import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.roomcast.refusal.Refusal;
import io.roomcast.refusal.Refusal.Code;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Routes that exist only in a node started with {@code -Droomcast.test=true}, so that tests can cause
 * failures they could not cause from outside. Behind the API key like the rest of {@code /api}.
 *
 * <ul>
 *   <li>{@code POST /test/block-loop?millis=N}: blocks the event loop serving the request for N ms (at most
 *       60 s), as a wedged loop would be, then answers.</li>
 * </ul>
 */
final class TestHooks {
    /** Whether this JVM was started for tests. */
    static final boolean ENABLED = Boolean.getBoolean("roomcast.test");

    private TestHooks() {
    }

    static CompletableFuture<?> handle(FullHttpRequest request) throws Refusal {
        QueryStringDecoder q = new QueryStringDecoder(request.uri());
        if (!q.path().equals("/test/block-loop") || !request.method().equals(HttpMethod.POST)) {
            throw new Refusal(Code.NOT_FOUND, "no test route " + q.path());
        }
        long millis = parse(q.parameters().getOrDefault("millis", List.of()));
        try {
            Thread.sleep(millis); // on the event loop, on purpose
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return CompletableFuture.completedFuture(Map.of("blocked", millis));
    }

    private static long parse(List<String> values) throws Refusal {
        try {
            long millis = Long.parseLong(values.isEmpty() ? "" : values.get(0));
            if (millis >= 0 && millis <= 60_000) {
                return millis;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw new Refusal(Code.INVALID_REQUEST, "millis must be 0 to 60000");
    }
}
