package dev.snapshotsidecar.request;

import java.util.Objects;

/**
 * How one build or erasure ended; the value of {@code snapshot-results}, keyed by stream id. Immutable.
 *
 * @param v             message format: 1, or 2 (incarnation, reason and aggregate type)
 * @param version       the snapshot's version for WRITTEN and ALREADY_CURRENT, the database's last version for
 *                      HEAD_BEYOND_EVENTS (and HEAD_RESET), the position checked for ERASED and EVENTS_REMAIN, the
 *                      requested version otherwise
 * @param detail        a reason a person can act on, never a payload
 * @param incarnation   the incarnation of the request it answers (0 for format 1)
 * @param reason        the reason of the request it answers; UNKNOWN for format 1
 * @param aggregateType the stream's aggregate type when the sender knows it (a first start's announcements), else ""
 */
public record SnapshotResult(int v, String streamId, long version, Outcome outcome, String detail, long buildMillis,
                             long incarnation, RequestReason reason, String aggregateType) {
    public static final int FORMAT = 2;
    /** The key of the {@link Outcome#BOOTSTRAP_COMPLETE} marker: no stream has an empty id. */
    public static final String MARKER_KEY = "";

    public SnapshotResult {
        Objects.requireNonNull(streamId, "streamId");
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(detail, "detail");
        reason = reason == null ? RequestReason.UNKNOWN : reason;
        aggregateType = aggregateType == null ? "" : aggregateType;
    }

    /** A result that answers no particular request (tests, tools). */
    public static SnapshotResult of(String streamId, long version, Outcome outcome, String detail, long buildMillis) {
        return new SnapshotResult(FORMAT, streamId, version, outcome, detail, buildMillis, 0, RequestReason.UNKNOWN,
                "");
    }

    /** A first start's announcement of a stream's latest snapshot. */
    public static SnapshotResult announced(String streamId, long version, String aggregateType) {
        return new SnapshotResult(FORMAT, streamId, version, Outcome.ALREADY_CURRENT, "bootstrap", 0, 0,
                RequestReason.BOOTSTRAP, aggregateType);
    }

    /** An operator's reset of a stream's head to the database's last version (any incarnation). */
    public static SnapshotResult headReset(String streamId, long lastVersion) {
        return new SnapshotResult(FORMAT, streamId, lastVersion, Outcome.HEAD_RESET, "reset by an operator", 0, 0,
                RequestReason.MANUAL, "");
    }

    /** The end of a first start's announcements on one partition. */
    public static SnapshotResult bootstrapComplete() {
        return new SnapshotResult(FORMAT, MARKER_KEY, SnapshotRequest.NO_VERSION, Outcome.BOOTSTRAP_COMPLETE, "bootstrap", 0, 0,
                RequestReason.UNKNOWN, "");
    }

    /** Whether this is a first start's announcement of a snapshot found in the table (older versions: by detail). */
    public boolean announcement() {
        return outcome.snapshotExists() && (reason == RequestReason.BOOTSTRAP || (v < 2 && "bootstrap".equals(detail)));
    }

    /** Whether this answers an ERASE request. */
    public boolean answersErase() {
        return reason == RequestReason.ERASE || outcome == Outcome.ERASED || outcome == Outcome.EVENTS_REMAIN;
    }
}
