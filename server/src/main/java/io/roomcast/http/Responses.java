package io.roomcast.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.roomcast.delivery.Outbound;
import io.roomcast.refusal.Refusal;

import java.util.Map;

/**
 * Writes HTTP responses, through the connection's {@link Outbound} like every other byte the node sends.
 * Thread-safe: a response completed on another thread is written on the connection's event loop.
 */
public final class Responses {
    static final ObjectMapper JSON = new ObjectMapper();

    private Responses() {
    }

    public static void json(ChannelHandlerContext ctx, HttpResponseStatus status, Object body, boolean keepAlive) {
        byte[] bytes;
        try {
            bytes = JSON.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        respond(ctx, status, "application/json", bytes, keepAlive);
    }

    static void text(ChannelHandlerContext ctx, HttpResponseStatus status, String contentType, byte[] body,
                     boolean keepAlive) {
        respond(ctx, status, contentType, body, keepAlive);
    }

    private static void respond(ChannelHandlerContext ctx, HttpResponseStatus status, String contentType,
                                byte[] bytes, boolean keepAlive) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.wrappedBuffer(bytes));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
        response.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        write(ctx, response, keepAlive);
    }

    /** The one shape of an HTTP error: the refusal's status, and {@code {"error": code, "message": ...}}. */
    public static void error(ChannelHandlerContext ctx, Refusal r, boolean keepAlive) {
        json(ctx, HttpResponseStatus.valueOf(r.httpStatus()), Map.of("error", r.code().code(), "message",
                r.getMessage()), keepAlive);
    }

    static void write(ChannelHandlerContext ctx, FullHttpResponse response, boolean keepAlive) {
        Outbound out = Outbound.of(ctx.channel());
        if (ctx.executor().inEventLoop()) {
            out.respond(response, keepAlive);
        } else {
            ctx.executor().execute(() -> out.respond(response, keepAlive));
        }
    }
}
