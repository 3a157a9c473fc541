package dev.snapshotsidecar.build;

import java.time.Duration;

/** Exponential backoff: initial, doubled per attempt, capped. Immutable. */
public record Backoff(Duration initial, Duration max) {

    /** The wait before retry number {@code attempt} (1 for the first retry). */
    public Duration delay(int attempt) {
        long millis = initial.toMillis() << Math.min(Math.max(attempt - 1, 0), 20);
        return Duration.ofMillis(Math.min(millis, max.toMillis()));
    }
}
