package dev.snapshotsidecar.track;

import java.util.Optional;

/** Due after every event: the article's "on aggregate save" strategy, fastest reads and most writes. */
public enum OnEverySavePolicy implements SnapshotPolicy {
    INSTANCE;

    @Override
    public Optional<RequestReason> due(StreamHead head, long eventsSinceSnapshot, long nowMillis, Trigger trigger) {
        return eventsSinceSnapshot >= 1 ? Optional.of(RequestReason.THRESHOLD) : Optional.empty();
    }
}
