package io.roomcast.http;

import io.netty.handler.codec.http.HttpResponseStatus;

/** An HTTP request that can't be served, with the status and JSON error it gets. */
public final class ApiException extends Exception {
    private final HttpResponseStatus status;
    private final String code;

    public ApiException(HttpResponseStatus status, String code, String message) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
    }

    public HttpResponseStatus status() {
        return status;
    }

    public String code() {
        return code;
    }
}
