package io.roomcast.bench.ceiling;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Who subscribed to what, grouped by event loop, so that a message reaches each loop as one task. The lists
 * are only touched on their own loop.
 */
final class Rooms {
    private final boolean batched;
    /** destination -> loop -> channels; the inner lists belong to their loop. */
    private final Map<String, Map<EventLoop, List<Channel>>> subscribers = new ConcurrentHashMap<>();
    private final Map<String, Channel> users = new ConcurrentHashMap<>();
    /** Channels written since the last flush, per loop (batched mode). */
    private final Map<EventLoop, List<Channel>> dirty = new ConcurrentHashMap<>();

    Rooms(boolean batched) {
        this.batched = batched;
    }

    void user(String login, Channel ch) {
        users.put(login, ch);
    }

    void subscribe(String destination, Channel ch) {
        EventLoop loop = ch.eventLoop();
        subscribers.computeIfAbsent(destination, d -> new ConcurrentHashMap<>())
                .computeIfAbsent(loop, l -> new ArrayList<>()).add(ch);
        if (batched) {
            dirty.computeIfAbsent(loop, l -> {
                List<Channel> list = new ArrayList<>();
                l.scheduleAtFixedRate(() -> flush(list), 1, 1, TimeUnit.MILLISECONDS);
                return list;
            });
        }
    }

    void remove(Channel ch) {
        for (Map<EventLoop, List<Channel>> byLoop : subscribers.values()) {
            List<Channel> list = byLoop.get(ch.eventLoop());
            if (list != null) {
                list.remove(ch);
            }
        }
    }

    /** Sends {@code frame} (one buffer, shared) to every subscriber of {@code destination}. Takes ownership. */
    void publish(String destination, ByteBuf frame) {
        Map<EventLoop, List<Channel>> byLoop = subscribers.getOrDefault(destination, Map.of());
        for (Map.Entry<EventLoop, List<Channel>> e : byLoop.entrySet()) {
            ByteBuf shared = frame.retainedDuplicate();
            e.getKey().execute(() -> {
                try {
                    for (Channel ch : e.getValue()) {
                        deliver(ch, shared.retainedDuplicate());
                    }
                } finally {
                    shared.release();
                }
            });
        }
        frame.release();
    }

    void whisper(String to, ByteBuf frame) {
        Channel ch = users.get(to);
        if (ch == null) {
            frame.release();
            return;
        }
        ch.eventLoop().execute(() -> deliver(ch, frame));
    }

    private void deliver(Channel ch, ByteBuf frame) {
        if (batched) {
            ch.write(new TextWebSocketFrame(frame), ch.voidPromise());
            List<Channel> list = dirty.get(ch.eventLoop());
            if (list != null) {
                list.add(ch);
            } else {
                ch.flush();
            }
        } else {
            ch.writeAndFlush(new TextWebSocketFrame(frame), ch.voidPromise());
        }
    }

    private static void flush(List<Channel> written) {
        if (written.isEmpty()) {
            return;
        }
        Map<Channel, Boolean> once = new IdentityHashMap<>(written.size());
        for (Channel ch : written) {
            if (once.put(ch, Boolean.TRUE) == null) {
                ch.flush();
            }
        }
        written.clear();
    }
}
