package dev.snapshotsidecar.config;

import java.util.Locale;

/**
 * {@code ingest.timestamp-unit}: the unit of integer timestamps in change events without schemas, what SQL Server's
 * {@code datetime2} becomes under the connector's {@code time.precision.mode}. With {@code adaptive} (the default)
 * {@code datetime2(7)} is nanoseconds, {@code datetime2(4..6)} microseconds and {@code datetime2(0..3)} milliseconds;
 * with {@code connect} it is always milliseconds. A field's schema name, when schemas are on, always wins.
 *
 * <p>It lives in {@code config}, not in {@code ingest} that reads it, because it is a configuration value:
 * {@code ingest} already depends on {@code config}, and {@code config} depends on no stage.
 */
public enum TimestampUnit implements ConfigChoice {
    /** Read from the magnitude: beyond 10^17 nanoseconds, beyond 10^14 microseconds, else milliseconds. */
    AUTO,
    NANOSECONDS,
    MICROSECONDS,
    MILLISECONDS;

    @Override
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
