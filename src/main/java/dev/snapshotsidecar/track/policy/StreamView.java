package dev.snapshotsidecar.track.policy;

/**
 * What a policy sees of one stream. Immutable; times are epoch milliseconds.
 *
 * @param eventsSinceSnapshot events after its latest snapshot (or since its start when it has none)
 * @param lastEventMillis     when its newest event was committed
 * @param lastSnapshotMillis  when its latest snapshot was written (0: none)
 * @param markedSinceSnapshot an event of a type the aggregate type snapshots after follows the latest snapshot
 * @param microsPerEvent      the type's estimated cost of replaying one event, in microseconds (0: not known)
 */
public record StreamView(long eventsSinceSnapshot, long lastEventMillis, long lastSnapshotMillis,
                         boolean markedSinceSnapshot, double microsPerEvent) {

    /** A stream with no marked event, of a type whose fold speed is not known. */
    public StreamView(long eventsSinceSnapshot, long lastEventMillis, long lastSnapshotMillis) {
        this(eventsSinceSnapshot, lastEventMillis, lastSnapshotMillis, false, 0);
    }

    /** The estimated time, in milliseconds, a reader takes to replay the events after the latest snapshot. */
    public double replayMillis() {
        return eventsSinceSnapshot * microsPerEvent / 1000.0;
    }
}
