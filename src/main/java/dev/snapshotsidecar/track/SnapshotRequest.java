package dev.snapshotsidecar.track;

import java.time.Instant;
import java.util.Objects;

/**
 * A request to build a snapshot of one stream up to {@code headVersion}; the value of {@code snapshot-requests},
 * keyed by stream id. {@code snapshotVersion} is the tracker's latest known snapshot, a hint only: the builder reads
 * the snapshots table itself.
 */
public record SnapshotRequest(int v, String streamId, String aggregateType, long headVersion, long snapshotVersion,
                              RequestReason reason, Instant requestedAt) {
    public static final int FORMAT = 1;

    public SnapshotRequest {
        Objects.requireNonNull(streamId, "streamId");
        Objects.requireNonNull(aggregateType, "aggregateType");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(requestedAt, "requestedAt");
    }

    public static SnapshotRequest of(String streamId, String aggregateType, long headVersion, long snapshotVersion,
                                     RequestReason reason, Instant requestedAt) {
        return new SnapshotRequest(FORMAT, streamId, aggregateType, headVersion, snapshotVersion, reason, requestedAt);
    }
}
