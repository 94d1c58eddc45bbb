package io.roomcast.config;

/** A setting that makes start-up impossible. The message is one line that names the setting. */
public final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message, null, false, false);
    }
}
