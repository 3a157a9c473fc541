package dev.snapshotsidecar.track;

/**
 * What the tracker knows of one stream; the value of the {@code stream-heads} store. Immutable; times are epoch
 * milliseconds, versions are stream versions, and {@link #NONE} means "none yet".
 *
 * @param aggregateType       the stream's configured aggregate type; empty when only a snapshot is known yet
 * @param headVersion         the highest version seen (max, so duplicates and reordering change nothing)
 * @param snapshotVersion     the version of the latest snapshot known to be written, or NONE
 * @param pendingVersion      the head version of the request in flight, or NONE
 * @param pendingSinceMillis  when that request was sent
 * @param lastEventMillis     commit time of the newest event seen
 * @param lastSnapshotMillis  when the latest snapshot result arrived, or 0
 * @param consecutiveFailures failed builds since the last success
 * @param nextRetryMillis     no request before this time (after a failure), or 0
 * @param retryAfterVersion   no request before the head reaches this version (after TOO_LARGE), or NONE
 * @param erasedMillis        when the stream's events were deleted, or 0: the head is then only a marker
 */
public record StreamHead(String aggregateType, long headVersion, long snapshotVersion, long pendingVersion,
                         long pendingSinceMillis, long lastEventMillis, long lastSnapshotMillis,
                         int consecutiveFailures, long nextRetryMillis, long retryAfterVersion, long erasedMillis) {
    public static final long NONE = -1;

    public static StreamHead first(String aggregateType, long version, long eventMillis) {
        return new StreamHead(aggregateType, version, NONE, NONE, 0, eventMillis, 0, 0, 0, NONE, 0);
    }

    /** A head learnt from a snapshot before any event of the stream was seen (bootstrap). */
    public static StreamHead fromSnapshot(long version, long nowMillis) {
        return new StreamHead("", version, version, NONE, 0, 0, nowMillis, 0, 0, NONE, 0);
    }

    /** The marker left when a stream's events are deleted. */
    public static StreamHead erased(String aggregateType, long nowMillis) {
        return new StreamHead(aggregateType, NONE, NONE, NONE, 0, 0, 0, 0, 0, NONE, nowMillis);
    }

    public boolean pending() {
        return pendingVersion != NONE;
    }

    public boolean isErased() {
        return erasedMillis != 0;
    }

    /** Events after the latest snapshot, or after the start of the stream when it has none. */
    public long eventsSinceSnapshot(long firstVersion) {
        return headVersion - Math.max(snapshotVersion, firstVersion - 1);
    }

    StreamHead withEvent(String type, long version, long eventMillis) {
        return new StreamHead(aggregateType.isEmpty() ? type : aggregateType, Math.max(headVersion, version),
                snapshotVersion, pendingVersion, pendingSinceMillis, Math.max(lastEventMillis, eventMillis),
                lastSnapshotMillis, consecutiveFailures, nextRetryMillis, retryAfterVersion, 0);
    }

    StreamHead withPending(long version, long nowMillis) {
        return new StreamHead(aggregateType, headVersion, snapshotVersion, version, nowMillis, lastEventMillis,
                lastSnapshotMillis, consecutiveFailures, nextRetryMillis, retryAfterVersion, erasedMillis);
    }

    StreamHead withSnapshot(long version, long nowMillis) {
        return new StreamHead(aggregateType, Math.max(headVersion, version), Math.max(snapshotVersion, version), NONE,
                0, lastEventMillis, nowMillis, 0, 0, NONE, erasedMillis);
    }

    StreamHead withFailure(long nextRetryAtMillis) {
        return new StreamHead(aggregateType, headVersion, snapshotVersion, NONE, 0, lastEventMillis,
                lastSnapshotMillis, consecutiveFailures + 1, nextRetryAtMillis, retryAfterVersion, erasedMillis);
    }

    StreamHead withTooLarge(long retryAtVersion) {
        return new StreamHead(aggregateType, headVersion, snapshotVersion, NONE, 0, lastEventMillis,
                lastSnapshotMillis, consecutiveFailures, nextRetryMillis, retryAtVersion, erasedMillis);
    }
}
