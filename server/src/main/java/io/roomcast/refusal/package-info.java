/**
 * Every "no" the node says, in one vocabulary: a {@link io.roomcast.refusal.Refusal} carries a
 * {@link io.roomcast.refusal.Refusal.Code}, the same code whether it reaches a STOMP client (the {@code error}
 * header of a refusal on {@code /user/queue/errors} or of an ERROR frame) or an HTTP client (the JSON
 * {@code error} field, with the code's status). The README's error-code table lists them.
 */
package io.roomcast.refusal;
