/**
 * The HTTP side of the port: the publish/admin API (JSON, API key), health checks and metrics. Every error is
 * mapped to a JSON answer in one place, {@link io.roomcast.http.HttpApiHandler#respondError}.
 */
package io.roomcast.http;
