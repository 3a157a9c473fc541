package dev.snapshotsidecar.track.policy;

/**
 * What a policy sees of one stream: events after its latest snapshot (or since its start), when its newest event was
 * committed, and when its latest snapshot was written (0: none). Epoch milliseconds. Immutable.
 */
public record StreamView(long eventsSinceSnapshot, long lastEventMillis, long lastSnapshotMillis) {
}
