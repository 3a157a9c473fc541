package dev.snapshotsidecar.request;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A request to build a snapshot of one stream up to {@code headVersion}, or (reason ERASE) to erase its snapshots; the
 * value of {@code snapshot-requests}, keyed by stream id. Immutable.
 *
 * @param v               message format: 1 (no partition), 2 (partition), 3 (incarnation and position)
 * @param snapshotVersion the tracker's latest known snapshot, a hint only: the builder reads the snapshots table itself
 * @param partition       (format 2) the partition of the tracker task that holds the stream's head, where its result
 *                        must go; {@link #ANY_PARTITION} leaves that to the results topic's partitioner
 * @param incarnation     (format 3) which life of the stream id asks: its result is applied only to that one (an id
 *                        erased and written again is a new incarnation); 0 for older formats
 * @param position        (format 3) a global position of the events table, {@link #NO_POSITION} when the change
 *                        events carry none. For an ERASE, the highest of the incarnation being erased: the erasure is
 *                        confirmed once no event of the stream at or below it remains (without one, once the stream
 *                        has no event at all; {@link #ALL_SNAPSHOTS} erases whatever the events). For a build, the
 *                        highest the tracker had seen when it asked: an event up to the requested version above it
 *                        was written after the request, by a new incarnation of the id, and is never folded
 */
public record SnapshotRequest(int v, String streamId, String aggregateType, long headVersion, long snapshotVersion,
                              RequestReason reason, Instant requestedAt, int partition, long incarnation,
                              long position) {
    public static final int FORMAT = 3;
    public static final int ANY_PARTITION = -1;
    public static final long NO_POSITION = -1;
    /**
     * The erase position that erases every snapshot of the stream whatever its events: global positions start at 1,
     * so no event lies at or below it.
     */
    public static final long ALL_SNAPSHOTS = 0;
    /** No version (no snapshot yet, no event yet). */
    public static final long NO_VERSION = -1;

    public SnapshotRequest {
        Objects.requireNonNull(streamId, "streamId");
        Objects.requireNonNull(aggregateType, "aggregateType");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(requestedAt, "requestedAt");
        if (v < 3) {
            position = NO_POSITION; // older formats had no such field: its absence reads as 0
        }
    }

    public static SnapshotRequest of(String streamId, String aggregateType, long headVersion, long snapshotVersion,
                                     RequestReason reason, Instant requestedAt) {
        return new SnapshotRequest(FORMAT, streamId, aggregateType, headVersion, snapshotVersion, reason, requestedAt,
                ANY_PARTITION, 0, NO_POSITION);
    }

    /** A build request of one incarnation of the stream, bounded by no position. */
    public static SnapshotRequest build(String streamId, String aggregateType, long incarnation, long headVersion,
                                        long snapshotVersion, RequestReason reason, Instant requestedAt) {
        return build(streamId, aggregateType, incarnation, headVersion, snapshotVersion, NO_POSITION, reason,
                requestedAt);
    }

    /** A build request of one incarnation of the stream, folding no event above {@code position}. */
    public static SnapshotRequest build(String streamId, String aggregateType, long incarnation, long headVersion,
                                        long snapshotVersion, long position, RequestReason reason,
                                        Instant requestedAt) {
        return new SnapshotRequest(FORMAT, streamId, aggregateType, headVersion, snapshotVersion, reason, requestedAt,
                ANY_PARTITION, incarnation, position);
    }

    /** An erasure of the incarnation's snapshots, confirmed once no event at or below {@code position} remains. */
    public static SnapshotRequest erase(String streamId, String aggregateType, long incarnation, long headVersion,
                                        long position, Instant requestedAt) {
        return new SnapshotRequest(FORMAT, streamId, aggregateType, headVersion, NO_VERSION,
                RequestReason.ERASE, requestedAt, ANY_PARTITION, incarnation, position);
    }

    /** The same request, answered to {@code resultsPartition}. */
    public SnapshotRequest toPartition(int resultsPartition) {
        return new SnapshotRequest(FORMAT, streamId, aggregateType, headVersion, snapshotVersion, reason, requestedAt,
                resultsPartition, incarnation, position);
    }

    /** Where the result goes; empty for format 1 (its missing field reads as 0) and for ANY_PARTITION. */
    public Optional<Integer> resultsPartition() {
        return v >= 2 && partition >= 0 ? Optional.of(partition) : Optional.empty();
    }

    /** Whether this asks for an erasure rather than a build. */
    public boolean erases() {
        return reason == RequestReason.ERASE;
    }

    /** The result of this request. */
    public SnapshotResult answer(long version, Outcome outcome, String detail, long buildMillis) {
        return new SnapshotResult(SnapshotResult.FORMAT, streamId, version, outcome, detail, buildMillis, incarnation,
                reason, "");
    }
}
