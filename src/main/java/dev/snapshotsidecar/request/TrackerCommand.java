package dev.snapshotsidecar.request;

import java.time.Instant;
import java.util.Objects;

/**
 * A command to every tracker task, written to each partition of {@code snapshot-commands}: REBUILD asks for new
 * snapshots of every stream of {@code aggregateType}, longest first (after its aggregator's schema version changed).
 */
public record TrackerCommand(int v, Kind kind, String aggregateType, Instant requestedAt) {
    public static final int FORMAT = 1;

    /** The commands there are; one this version does not know reads as UNKNOWN and is ignored. */
    public enum Kind {
        REBUILD,
        @com.fasterxml.jackson.annotation.JsonEnumDefaultValue
        UNKNOWN
    }

    public TrackerCommand {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(aggregateType, "aggregateType");
        Objects.requireNonNull(requestedAt, "requestedAt");
    }

    public static TrackerCommand rebuild(String aggregateType, Instant at) {
        return new TrackerCommand(FORMAT, Kind.REBUILD, aggregateType, at);
    }
}
