package dev.snapshotsidecar.observe;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class LogFormatTest {
    @Test
    @DisplayName("log.format json writes one JSON object a line, with level, logger and the formatted message")
    void json() throws Exception {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        ch.qos.logback.classic.Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        @SuppressWarnings("unchecked")
        ConsoleAppender<ILoggingEvent> console = (ConsoleAppender<ILoggingEvent>) root.getAppender("STDERR");
        Encoder<ILoggingEvent> before = console.getEncoder();
        try {
            LogFormat.apply(dev.snapshotsidecar.config.LogFormat.JSON);
            LoggingEvent event = new LoggingEvent("x", context.getLogger("dev.snapshotsidecar.track.HeadTracker"),
                    Level.WARN, "snapshot of {} at version {} failed", null, new Object[]{"patient-1", 49});
            String line = new String(console.getEncoder().encode(event), StandardCharsets.UTF_8);
            JsonNode json = new ObjectMapper().readTree(line);
            assertThat(json.path("level").asText()).isEqualTo("WARN");
            assertThat(json.path("loggerName").asText()).isEqualTo("dev.snapshotsidecar.track.HeadTracker");
            assertThat(json.path("formattedMessage").asText()).isEqualTo("snapshot of patient-1 at version 49 failed");
            assertThat(line.trim()).doesNotContain("\n");
        } finally {
            console.stop();
            console.setEncoder(before);
            console.start();
        }
    }
}
