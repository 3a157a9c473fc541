package dev.snapshotsidecar.track;

import java.util.Objects;

/**
 * How one build ended; the value of {@code snapshot-results}, keyed by stream id. {@code version} is the snapshot's
 * version for WRITTEN and ALREADY_CURRENT, the requested version otherwise. {@code detail} is a reason a person can
 * act on, never a payload.
 */
public record SnapshotResult(int v, String streamId, long version, Outcome outcome, String detail, long buildMillis) {
    public static final int FORMAT = 1;

    public SnapshotResult {
        Objects.requireNonNull(streamId, "streamId");
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(detail, "detail");
    }

    public static SnapshotResult of(String streamId, long version, Outcome outcome, String detail, long buildMillis) {
        return new SnapshotResult(FORMAT, streamId, version, outcome, detail, buildMillis);
    }
}
