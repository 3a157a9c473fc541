package dev.snapshotsidecar.config;

import java.util.Locale;

/** {@code log.format}: how the console log is written; {@code observe.LogFormat} applies it. */
public enum LogFormat implements ConfigChoice {
    /** Logback's pattern layout, as configured in logback.xml (the default). */
    TEXT,
    /** One JSON object a line, for clusters. */
    JSON;

    @Override
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
