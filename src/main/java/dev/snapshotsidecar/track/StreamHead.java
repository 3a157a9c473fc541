package dev.snapshotsidecar.track;

/**
 * What the tracker knows of one stream; the value of the {@code stream-heads} store. Immutable; times are epoch
 * milliseconds, versions are stream versions, and {@link #NONE} means "none yet".
 *
 * @param aggregateType      the stream's configured aggregate type; empty while only a snapshot is known
 * @param incarnation        which life of the stream id this is: the time its head was started (an id whose events
 *                           were all deleted and that is written again is a new incarnation); 0 for heads of older
 *                           versions and heads learnt from a snapshot
 * @param headVersion        the highest version seen (max, so duplicates and reordering change nothing), lowered only
 *                           when a build finds the database's events end before it
 * @param snapshotVersion    the version of the latest snapshot known to be written, or NONE; never above the head
 * @param lastEventMillis    commit time of the newest event seen
 * @param lastSnapshotMillis when the latest snapshot result arrived, or 0
 * @param maxPosition        the highest global position of an event of this incarnation seen, or NONE when the change
 *                           events carry none: what an erasure checks the table against
 * @param pendingRequest     the request in flight (a build, or the ERASE while {@link #erasing()}), or none
 * @param retry              failures since the last success and when to ask again
 * @param erasure            whether the stream's events were deleted and its snapshots are being, or were, erased
 * @param markedVersion      the version of the newest event seen of a type its aggregate type snapshots after
 *                           (snapshot-after-events), or NONE; a snapshot at or above it answers it
 */
public record StreamHead(String aggregateType, long incarnation, long headVersion, long snapshotVersion,
                         long lastEventMillis, long lastSnapshotMillis, long maxPosition, Pending pendingRequest,
                         Retry retry, Erasure erasure, long markedVersion) {
    public static final long NONE = -1;

    /** The request in flight: the head version it asked for (NONE for an erasure's) and when it was sent. */
    public record Pending(boolean inFlight, long version, long sinceMillis) {
        public static final Pending NONE = new Pending(false, StreamHead.NONE, 0);

        static Pending of(long version, long sinceMillis) {
            return new Pending(true, version, sinceMillis);
        }
    }

    /**
     * Failed attempts since the last success, no request before {@code nextMillis}, and (after TOO_LARGE) none before
     * the head reaches {@code afterVersion}.
     */
    public record Retry(int failures, long nextMillis, long afterVersion) {
        public static final Retry NONE = new Retry(0, 0, StreamHead.NONE);
    }

    /** Where a stream stands with erasure. */
    public enum ErasureState {
        /** Its events are there (as far as the tracker knows). */
        NONE,
        /** Deleted events were seen: an ERASE is owed until the database confirms it or says events remain. */
        PENDING,
        /** Confirmed: no event of the erased incarnation remains and its snapshots are gone; the head is a marker. */
        CONFIRMED
    }

    /**
     * The erasure of one incarnation.
     *
     * @param incarnation the incarnation being erased
     * @param position    the highest global position of that incarnation (NONE when unknown)
     * @param headVersion its head when the deletion was seen
     * @param sinceMillis when the deletion was seen (PENDING) or confirmed (CONFIRMED)
     */
    public record Erasure(ErasureState state, long incarnation, long position, long headVersion, long sinceMillis) {
        public static final Erasure NONE = new Erasure(ErasureState.NONE, 0, StreamHead.NONE, StreamHead.NONE, 0);
    }

    public StreamHead {
        java.util.Objects.requireNonNull(aggregateType, "aggregateType");
        java.util.Objects.requireNonNull(pendingRequest, "pendingRequest");
        java.util.Objects.requireNonNull(retry, "retry");
        java.util.Objects.requireNonNull(erasure, "erasure");
    }

    /** A head with no marked event. */
    public StreamHead(String aggregateType, long incarnation, long headVersion, long snapshotVersion,
                      long lastEventMillis, long lastSnapshotMillis, long maxPosition, Pending pendingRequest,
                      Retry retry, Erasure erasure) {
        this(aggregateType, incarnation, headVersion, snapshotVersion, lastEventMillis, lastSnapshotMillis,
                maxPosition, pendingRequest, retry, erasure, NONE);
    }

    /** The head of an incarnation started by its first event seen. */
    public static StreamHead first(String aggregateType, long version, long eventMillis) {
        return first(aggregateType, 0, version, eventMillis, NONE);
    }

    static StreamHead first(String aggregateType, long incarnation, long version, long eventMillis, long position) {
        return new StreamHead(aggregateType, incarnation, version, NONE, eventMillis, 0, position, Pending.NONE,
                Retry.NONE, Erasure.NONE);
    }

    /** A head learnt from a snapshot before any event of the stream was seen (a first start's announcement). */
    public static StreamHead fromSnapshot(String aggregateType, long version, long nowMillis) {
        return new StreamHead(aggregateType, 0, version, version, 0, nowMillis, NONE, Pending.NONE, Retry.NONE,
                Erasure.NONE);
    }

    public boolean pending() {
        return pendingRequest.inFlight();
    }

    public long pendingVersion() {
        return pendingRequest.version();
    }

    public long pendingSinceMillis() {
        return pendingRequest.sinceMillis();
    }

    public int consecutiveFailures() {
        return retry.failures();
    }

    public long nextRetryMillis() {
        return retry.nextMillis();
    }

    public long retryAfterVersion() {
        return retry.afterVersion();
    }

    /** Whether this is only the marker of a confirmed erasure. */
    public boolean isErased() {
        return erasure.state() == ErasureState.CONFIRMED;
    }

    /** Whether an erasure is owed and not yet confirmed. */
    public boolean erasing() {
        return erasure.state() == ErasureState.PENDING;
    }

    /** Events after the latest snapshot, or after the start of the stream when it has none. */
    public long eventsSinceSnapshot(long firstVersion) {
        return headVersion - Math.max(snapshotVersion, firstVersion - 1);
    }

    /** Whether an event of a marked type (snapshot-after-events) follows the latest snapshot. */
    public boolean markedSinceSnapshot() {
        return markedVersion != NONE && markedVersion > snapshotVersion;
    }

    /** The same head, with an event of a marked type seen at {@code version}. */
    StreamHead withMark(long version) {
        return new StreamHead(aggregateType, incarnation, headVersion, snapshotVersion, lastEventMillis,
                lastSnapshotMillis, maxPosition, pendingRequest, retry, erasure, Math.max(markedVersion, version));
    }

    StreamHead withType(String type) {
        return new StreamHead(type, incarnation, headVersion, snapshotVersion, lastEventMillis, lastSnapshotMillis,
                maxPosition, pendingRequest, retry, erasure, markedVersion);
    }

    StreamHead withEvent(String type, long version, long eventMillis, long position) {
        return new StreamHead(aggregateType.isEmpty() ? type : aggregateType, incarnation,
                Math.max(headVersion, version), snapshotVersion, Math.max(lastEventMillis, eventMillis),
                lastSnapshotMillis, Math.max(maxPosition, position), pendingRequest, retry, erasure, markedVersion);
    }

    StreamHead withPending(long version, long nowMillis) {
        return withPending(Pending.of(version, nowMillis));
    }

    StreamHead withPending(Pending next) {
        return new StreamHead(aggregateType, incarnation, headVersion, snapshotVersion, lastEventMillis,
                lastSnapshotMillis, maxPosition, next, retry, erasure, markedVersion);
    }

    /** A snapshot at {@code version} exists: the pending request is answered and failures are forgotten. */
    StreamHead withSnapshot(long version, long nowMillis) {
        return new StreamHead(aggregateType, incarnation, headVersion, Math.max(snapshotVersion, version),
                lastEventMillis, nowMillis, maxPosition, Pending.NONE, Retry.NONE, erasure, markedVersion);
    }

    StreamHead withFailure(long nextRetryAtMillis) {
        return new StreamHead(aggregateType, incarnation, headVersion, snapshotVersion, lastEventMillis,
                lastSnapshotMillis, maxPosition, Pending.NONE,
                new Retry(retry.failures() + 1, nextRetryAtMillis, retry.afterVersion()), erasure, markedVersion);
    }

    StreamHead withTooLarge(long retryAtVersion) {
        return new StreamHead(aggregateType, incarnation, headVersion, snapshotVersion, lastEventMillis,
                lastSnapshotMillis, maxPosition, Pending.NONE,
                new Retry(retry.failures(), retry.nextMillis(), retryAtVersion), erasure, markedVersion);
    }

    /** The database's events end at {@code lastVersion}: the head (and a snapshot above it) come down to it. */
    StreamHead correctedTo(long lastVersion) {
        return new StreamHead(aggregateType, incarnation, lastVersion, Math.min(snapshotVersion, lastVersion),
                lastEventMillis, lastSnapshotMillis, maxPosition, Pending.NONE, Retry.NONE, erasure,
                markedVersion > lastVersion ? NONE : markedVersion);
    }

    /**
     * An operator's reset to the database's last version: whatever was pending or failing starts afresh. Raised
     * above the events seen, the head no longer knows the highest position of its events.
     */
    StreamHead resetTo(long lastVersion) {
        return new StreamHead(aggregateType, incarnation, lastVersion, Math.min(snapshotVersion, lastVersion),
                lastEventMillis, lastSnapshotMillis, lastVersion > headVersion ? NONE : maxPosition, Pending.NONE,
                Retry.NONE, erasure, markedVersion > lastVersion ? NONE : markedVersion);
    }

    StreamHead withErasure(Erasure next) {
        return new StreamHead(aggregateType, incarnation, headVersion, snapshotVersion, lastEventMillis,
                lastSnapshotMillis, maxPosition, pendingRequest, retry, next, markedVersion);
    }

    /** The same head with its erasure owed again after a failure, asked for after {@code nextRetryAtMillis}. */
    StreamHead withErasureFailure(long nextRetryAtMillis) {
        return new StreamHead(aggregateType, incarnation, headVersion, snapshotVersion, lastEventMillis,
                lastSnapshotMillis, maxPosition, Pending.NONE,
                new Retry(retry.failures() + 1, nextRetryAtMillis, retry.afterVersion()), erasure, markedVersion);
    }

    /** The marker of a confirmed erasure: versions forgotten, the erased incarnation and its position kept. */
    StreamHead confirmedErased(long nowMillis) {
        return new StreamHead(aggregateType, incarnation, NONE, NONE, 0, 0, NONE, Pending.NONE, Retry.NONE,
                new Erasure(ErasureState.CONFIRMED, erasure.incarnation(), erasure.position(), erasure.headVersion(),
                        nowMillis));
    }
}
