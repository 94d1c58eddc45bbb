package io.roomcast.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.ScheduledFuture;
import io.roomcast.delivery.Outbound;
import io.roomcast.limits.TrustedProxies;
import io.roomcast.metrics.NodeMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * One HTTP connection's requests, one at a time and each on a deadline.
 *
 * <ul>
 *   <li>One at a time: once a request is complete, reading the connection stops until its answer has been
 *       written out, so pipelined requests wait unread in the socket and in the pipeline's flow control
 *       instead of being answered into a queue the client never reads.</li>
 *   <li>Deadlines: from the connection's first byte, or a request's, to the end of its headers
 *       ({@code --http-header-timeout}, against slowloris); from the end of the headers to the end of the
 *       body ({@code --http-body-timeout}); and between requests ({@code --http-idle-timeout}), counted from
 *       the moment the answer is handed to the socket, so a client that doesn't read it is cut too. A
 *       connection that misses one is closed.</li>
 * </ul>
 *
 * <p>It is two handlers, one on each side of the HTTP codec: {@link #bytes()} sees a request's first byte
 * before the codec has made anything of it, {@link #messages()} sees requests and answers. Both are removed
 * when the connection upgrades to WebSocket.
 *
 * <p>One per connection; confined to its event loop.
 */
final class HttpExchanges {
    private static final Logger log = LoggerFactory.getLogger(HttpExchanges.class);

    private enum Phase { IDLE, HEAD, BODY, ANSWERING, STOPPED }

    private final Duration idle;
    private final Duration header;
    private final Duration body;
    private final NodeMetrics metrics;
    private final Bytes bytes = new Bytes();
    private final Messages messages = new Messages();
    private ChannelHandlerContext ctx;
    private Phase phase = Phase.IDLE;
    private ScheduledFuture<?> deadline;
    /**
     * The request in progress was answered before its end arrived: Netty's aggregator answers some requests
     * itself as soon as it has their headers (417 for an unknown {@code Expect}, 413), and drops the rest.
     */
    private boolean answeredEarly;

    HttpExchanges(Duration idle, Duration header, Duration body, NodeMetrics metrics) {
        this.idle = idle;
        this.header = header;
        this.body = body;
        this.metrics = metrics;
    }

    /** Before the HTTP codec: notices a request's first byte. */
    ChannelInboundHandlerAdapter bytes() {
        return bytes;
    }

    /** After the HTTP codec: requests and answers. */
    ChannelDuplexHandler messages() {
        return messages;
    }

    private void enter(Phase next) {
        if (phase == Phase.STOPPED) {
            return;
        }
        phase = next;
        if (deadline != null) {
            deadline.cancel(false);
            deadline = null;
        }
        Duration limit = switch (next) {
            case IDLE -> idle;
            case HEAD -> header;
            case BODY -> body;
            // A backstop: every route answers well within it (a publish within --bus-send-timeout).
            case ANSWERING -> body;
            case STOPPED -> null;
        };
        if (limit != null && ctx != null) {
            Phase timed = next;
            deadline = ctx.executor().schedule(() -> missed(timed, limit), limit.toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    private void missed(Phase timed, Duration limit) {
        if (phase != timed) {
            return;
        }
        String what = switch (timed) {
            case IDLE -> "http-idle-timeout";
            case HEAD -> "http-header-timeout";
            case BODY -> "http-body-timeout";
            case ANSWERING -> "http-answer-timeout";
            case STOPPED -> "stopped";
        };
        metrics.limitTriggered(what);
        log.debug("closing {} from {}: --{} of {} ms", ctx.channel(), TrustedProxies.clientAddressOf(ctx.channel()),
                what, limit.toMillis());
        ctx.close();
    }

    /** The connection upgraded or closed: no more deadlines. */
    private void stop() {
        phase = Phase.STOPPED;
        if (deadline != null) {
            deadline.cancel(false);
            deadline = null;
        }
    }

    private final class Bytes extends ChannelInboundHandlerAdapter {
        @Override
        public void handlerAdded(ChannelHandlerContext context) {
            ctx = context;
            // A new connection has the header timeout to say something: it is a request's first byte away.
            enter(Phase.HEAD);
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext context) {
            stop();
        }

        @Override
        public void channelRead(ChannelHandlerContext context, Object msg) {
            if (phase == Phase.IDLE && msg instanceof ByteBuf buf && buf.isReadable()) {
                enter(Phase.HEAD);
            }
            context.fireChannelRead(msg);
        }

        @Override
        public void channelInactive(ChannelHandlerContext context) {
            stop();
            context.fireChannelInactive();
        }
    }

    private final class Messages extends ChannelDuplexHandler {
        @Override
        public void channelRead(ChannelHandlerContext context, Object msg) {
            if (msg instanceof HttpRequest) {
                answeredEarly = false;
                enter(Phase.BODY);
            }
            if (msg instanceof LastHttpContent) {
                if (answeredEarly) {
                    answeredEarly = false; // its answer is out already: wait for the next request
                } else {
                    enter(Phase.ANSWERING);
                    Outbound.of(context.channel()).holdReads();
                }
            }
            context.fireChannelRead(msg);
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext context) {
            // A large answer that took an HTTP connection past its budget: reading resumes once it drains.
            Outbound.of(context.channel()).writabilityChanged();
            context.fireChannelWritabilityChanged();
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext context) {
            stop();
        }

        @Override
        public void write(ChannelHandlerContext context, Object msg, ChannelPromise promise) {
            if (isFinalAnswer(msg)) {
                answeredEarly = phase == Phase.HEAD || phase == Phase.BODY;
                enter(Phase.IDLE);
                ChannelPromise p = promise.unvoid();
                p.addListener(written -> Outbound.of(context.channel()).releaseReads());
                context.write(msg, p);
                return;
            }
            context.write(msg, promise);
        }
    }

    /** The end of an answer: a full response or the last part of one, but not an interim {@code 100 Continue}. */
    private static boolean isFinalAnswer(Object msg) {
        if (msg instanceof HttpResponse response && response.status().codeClass()
                == HttpResponseStatus.CONTINUE.codeClass()) {
            return false;
        }
        return msg instanceof LastHttpContent;
    }
}
