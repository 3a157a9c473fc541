package dev.snapshotsidecar.observe;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import org.slf4j.LoggerFactory;

/** Switches the console log to one JSON object a line (Logback's own encoder) when {@code log.format} is json. */
public final class LogFormat {
    private LogFormat() {
    }

    /** @param format the configured {@code log.format} (the config enum of the same simple name as this class) */
    public static void apply(dev.snapshotsidecar.config.LogFormat format) {
        if (format != dev.snapshotsidecar.config.LogFormat.JSON
                || !(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return;
        }
        ch.qos.logback.classic.Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        if (root.getAppender("STDERR") instanceof ConsoleAppender<ILoggingEvent> console) {
            JsonEncoder encoder = new JsonEncoder();
            encoder.setContext(context);
            encoder.setWithFormattedMessage(true);
            encoder.setWithArguments(false); // the formatted message says it all; no raw argument objects
            encoder.start();
            console.stop();
            console.setEncoder(encoder);
            console.start();
        }
    }
}
