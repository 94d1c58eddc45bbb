/**
 * STOMP 1.2 wire format: frames, header escaping, a streaming decoder that turns bytes (from any number of
 * WebSocket messages) into frames, and the encoder for server frames.
 *
 * <p>A malformed frame is data, not an exception: {@link io.roomcast.stomp.StompDecoder} emits a frame whose
 * {@link io.roomcast.stomp.StompFrame#failure()} says what was wrong, and the session answers with ERROR and
 * closes.
 */
package io.roomcast.stomp;
