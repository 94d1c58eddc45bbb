package io.roomcast.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.roomcast.refusal.Refusal;
import io.roomcast.refusal.Refusal.Code;

/** Netty's aggregator, answering an oversize body with the API's JSON 413 instead of a bare status. */
public final class JsonHttpObjectAggregator extends HttpObjectAggregator {
    public JsonHttpObjectAggregator(int maxContentLength) {
        // Closing after a failed expectation (417): the rest of that request's body would be read as a request.
        super(maxContentLength, true);
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
        Responses.error(ctx, new Refusal(Code.TOO_LARGE, "request body exceeds the limit of " + maxContentLength()
                + " bytes (--http-max-body-bytes)"), false);
    }
}
