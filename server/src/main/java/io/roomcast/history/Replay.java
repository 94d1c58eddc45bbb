package io.roomcast.history;

import io.roomcast.bus.Position;
import io.roomcast.bus.Published;

import java.util.List;

/**
 * The answer to "what did this stream publish after position P?".
 *
 * @param recovered whether {@code messages} is everything the stream published after the requested position;
 *                  when false, {@code messages} is empty and the client must reload its state
 * @param head      the stream's current position: the last offset this node has seen in its partition
 * @param messages  the missed messages of that stream, in order
 */
public record Replay(boolean recovered, Position head, List<Published> messages) {
}
