package io.roomcast.cli;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import io.roomcast.config.Settings;
import org.slf4j.LoggerFactory;

/**
 * Switches the node's log lines to JSON ({@code --log-format json}): one object per line with time, level,
 * thread, logger, message, and the MDC, which carries the {@code session} id while a session's frame is
 * handled. Logback's own {@link JsonEncoder} does the writing; {@code logback.xml} stays the text default.
 */
final class LogFormats {
    private LogFormats() {
    }

    static void apply(Settings.LogFormat format) {
        if (format != Settings.LogFormat.json
                || !(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return;
        }
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        Appender<ILoggingEvent> appender = root.getAppender("STDERR");
        if (!(appender instanceof ConsoleAppender<ILoggingEvent> console)) {
            return;
        }
        JsonEncoder json = new JsonEncoder();
        json.setContext(context);
        json.setWithArguments(false);
        json.setWithFormattedMessage(true);
        json.setWithMessage(false);
        json.start();
        console.stop();
        console.setEncoder(json);
        console.start();
    }
}
