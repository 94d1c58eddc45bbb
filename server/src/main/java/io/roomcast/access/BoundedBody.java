package io.roomcast.access;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * A response body of at most {@code limit} bytes. A longer one is not read further: the subscription is
 * cancelled and the body fails with {@link TooLarge}, so a backend cannot make the node buffer without end.
 *
 * <p>Not thread-safe, and needs not be: the HTTP client signals one subscriber in order (Reactive Streams
 * §1.3), each signal happening before the next.
 */
final class BoundedBody implements HttpResponse.BodySubscriber<byte[]> {
    /** The body passed {@code limit} bytes. */
    static final class TooLarge extends IOException {
        TooLarge(int limit) {
            super("the body is larger than " + limit + " bytes", null);
        }
    }

    private final CompletableFuture<byte[]> body = new CompletableFuture<>();
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final int limit;
    private Flow.Subscription subscription;

    BoundedBody(int limit) {
        this.limit = limit;
    }

    /** Reads 2xx bodies within {@code limit}; discards others, whose status alone says the call failed. */
    static HttpResponse.BodyHandler<byte[]> handler(int limit) {
        return info -> info.statusCode() / 100 == 2
                ? new BoundedBody(limit)
                : HttpResponse.BodySubscribers.replacing(null);
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        // The limit bounds what is held, so there is no need to meter the demand.
        s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(List<ByteBuffer> buffers) {
        if (body.isDone()) {
            return;
        }
        for (ByteBuffer b : buffers) {
            if (b.remaining() > limit - bytes.size()) {
                subscription.cancel();
                body.completeExceptionally(new TooLarge(limit));
                return;
            }
            byte[] chunk = new byte[b.remaining()];
            b.get(chunk);
            bytes.write(chunk, 0, chunk.length);
        }
    }

    @Override
    public void onError(Throwable failure) {
        body.completeExceptionally(failure);
    }

    @Override
    public void onComplete() {
        body.complete(bytes.toByteArray());
    }

    @Override
    public CompletionStage<byte[]> getBody() {
        return body;
    }
}
