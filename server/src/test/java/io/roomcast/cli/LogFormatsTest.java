package io.roomcast.cli;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.roomcast.config.Settings;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code --log-format json}: one JSON object per line, carrying the session id from the MDC. */
class LogFormatsTest {
    @Test
    void jsonLinesCarryTheSessionId() throws Exception {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        @SuppressWarnings("unchecked")
        ConsoleAppender<ILoggingEvent> console = (ConsoleAppender<ILoggingEvent>) context
                .getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).getAppender("STDERR");
        Encoder<ILoggingEvent> text = console.getEncoder();
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        try {
            System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
            LogFormats.apply(Settings.LogFormat.json);
            MDC.put("session", "s-123");
            LoggerFactory.getLogger("io.roomcast.test").info("a \"quoted\" line for {}", "ann");
        } finally {
            MDC.remove("session");
            System.setErr(err);
            console.stop();
            console.setEncoder(text);
            console.start();
        }
        String line = captured.toString(StandardCharsets.UTF_8).lines()
                .filter(l -> l.contains("quoted")).findFirst().orElseThrow();
        JsonNode json = new ObjectMapper().readTree(line);
        assertThat(json.path("level").asText()).isEqualTo("INFO");
        assertThat(json.path("loggerName").asText()).isEqualTo("io.roomcast.test");
        assertThat(json.path("formattedMessage").asText()).isEqualTo("a \"quoted\" line for ann");
        assertThat(json.path("mdc").path("session").asText()).isEqualTo("s-123");
    }
}
