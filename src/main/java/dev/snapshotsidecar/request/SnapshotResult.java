package dev.snapshotsidecar.request;

import java.util.Objects;

/**
 * How one build or erasure ended; the value of {@code snapshot-results}, keyed by stream id. Immutable.
 *
 * @param v             message format: 1, 2 (incarnation, reason and aggregate type), or 3 (last event)
 * @param version       the snapshot's version for WRITTEN and ALREADY_CURRENT, the database's last version for
 *                      HEAD_BEYOND_EVENTS (and HEAD_RESET), the position checked for ERASED and EVENTS_REMAIN, the
 *                      requested version otherwise
 * @param detail        a reason a person can act on, never a payload
 * @param incarnation   the incarnation of the request it answers (0 for format 1)
 * @param reason        the reason of the request it answers; UNKNOWN for format 1
 * @param aggregateType the stream's aggregate type when the sender knows it (a first start's announcements, a
 *                      reconcile), else ""
 * @param lastEvent     (format 3, HEAD_RECONCILE) the stream's last event in the database; {@link LastEvent#NONE}
 *                      otherwise. The record stays flat on the wire, as earlier formats wrote it, so it has more
 *                      components than a record should.
 */
public record SnapshotResult(int v, String streamId, long version, Outcome outcome, String detail, long buildMillis,
                             long incarnation, RequestReason reason, String aggregateType, LastEvent lastEvent) {
    public static final int FORMAT = 3;

    /**
     * A stream's last event as the database holds it.
     *
     * @param type          its event type
     * @param committedMillis when it was written (epoch milliseconds)
     * @param position      its global position
     */
    public record LastEvent(String type, long committedMillis, long position) {
        public static final LastEvent NONE = new LastEvent("", 0, SnapshotRequest.NO_POSITION);

        public LastEvent {
            type = type == null ? "" : type;
        }
    }

    /** A result without a last event: every outcome but HEAD_RECONCILE. */
    public SnapshotResult(int v, String streamId, long version, Outcome outcome, String detail, long buildMillis,
                          long incarnation, RequestReason reason, String aggregateType) {
        this(v, streamId, version, outcome, detail, buildMillis, incarnation, reason, aggregateType, LastEvent.NONE);
    }
    /** The key of the {@link Outcome#BOOTSTRAP_COMPLETE} marker: no stream has an empty id. */
    public static final String MARKER_KEY = "";

    public SnapshotResult {
        Objects.requireNonNull(streamId, "streamId");
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(detail, "detail");
        reason = reason == null ? RequestReason.UNKNOWN : reason;
        aggregateType = aggregateType == null ? "" : aggregateType;
        lastEvent = lastEvent == null ? LastEvent.NONE : lastEvent;
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

    /**
     * A reconcile pass's correction: the stream's last event in the database is at {@code lastVersion}, above the
     * tracker's head (or the tracker has no head of it).
     */
    public static SnapshotResult reconciled(String streamId, String aggregateType, long lastVersion,
                                            LastEvent lastEvent) {
        return new SnapshotResult(FORMAT, streamId, lastVersion, Outcome.HEAD_RECONCILE, "reconcile", 0, 0,
                RequestReason.UNKNOWN, aggregateType, lastEvent);
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
