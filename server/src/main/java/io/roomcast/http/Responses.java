package io.roomcast.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;

import java.util.Map;

/** Writes JSON responses. Thread-safe. */
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

    static void text(ChannelHandlerContext ctx, HttpResponseStatus status, String contentType, String body,
                     boolean keepAlive) {
        respond(ctx, status, contentType, body.getBytes(java.nio.charset.StandardCharsets.UTF_8), keepAlive);
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

    static void error(ChannelHandlerContext ctx, ApiException e, boolean keepAlive) {
        json(ctx, e.status(), Map.of("error", e.code(), "message", e.getMessage()), keepAlive);
    }

    static void write(ChannelHandlerContext ctx, FullHttpResponse response, boolean keepAlive) {
        if (keepAlive) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            ctx.writeAndFlush(response, ctx.voidPromise());
        } else {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
