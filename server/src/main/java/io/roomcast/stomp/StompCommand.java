package io.roomcast.stomp;

import java.util.Map;
import java.util.HashMap;

/** The STOMP 1.2 commands, client and server side. */
public enum StompCommand {
    CONNECT, STOMP, CONNECTED, SEND, SUBSCRIBE, UNSUBSCRIBE, ACK, NACK, BEGIN, COMMIT, ABORT, DISCONNECT,
    MESSAGE, RECEIPT, ERROR;

    private static final Map<String, StompCommand> BY_NAME = new HashMap<>();

    static {
        for (StompCommand c : values()) {
            BY_NAME.put(c.name(), c);
        }
    }

    /** @return the command with this exact (case-sensitive) name, or {@code null} if there is none */
    public static StompCommand of(String name) {
        return BY_NAME.get(name);
    }

    /** CONNECT and CONNECTED frames never escape header values (STOMP 1.2, "Value Encoding"). */
    public boolean escapesHeaders() {
        return this != CONNECT && this != CONNECTED && this != STOMP;
    }
}
