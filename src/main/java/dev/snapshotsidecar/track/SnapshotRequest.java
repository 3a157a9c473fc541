package dev.snapshotsidecar.track;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A request to build a snapshot of one stream up to {@code headVersion}; the value of {@code snapshot-requests},
 * keyed by stream id. {@code snapshotVersion} is the tracker's latest known snapshot, a hint only: the builder reads
 * the snapshots table itself. {@code partition} (format 2) is the partition of the tracker task that holds the
 * stream's head, where its result must go; {@link #ANY_PARTITION} leaves that to the results topic's partitioner.
 */
public record SnapshotRequest(int v, String streamId, String aggregateType, long headVersion, long snapshotVersion,
                              RequestReason reason, Instant requestedAt, int partition) {
    public static final int FORMAT = 2;
    public static final int ANY_PARTITION = -1;

    public SnapshotRequest {
        Objects.requireNonNull(streamId, "streamId");
        Objects.requireNonNull(aggregateType, "aggregateType");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(requestedAt, "requestedAt");
    }

    public static SnapshotRequest of(String streamId, String aggregateType, long headVersion, long snapshotVersion,
                                     RequestReason reason, Instant requestedAt) {
        return new SnapshotRequest(FORMAT, streamId, aggregateType, headVersion, snapshotVersion, reason, requestedAt,
                ANY_PARTITION);
    }

    /** The same request, answered to {@code resultsPartition}. */
    public SnapshotRequest toPartition(int resultsPartition) {
        return new SnapshotRequest(FORMAT, streamId, aggregateType, headVersion, snapshotVersion, reason, requestedAt,
                resultsPartition);
    }

    /** Where the result goes; empty for format 1 (its missing field reads as 0) and for ANY_PARTITION. */
    public Optional<Integer> resultsPartition() {
        return v >= 2 && partition >= 0 ? Optional.of(partition) : Optional.empty();
    }
}
