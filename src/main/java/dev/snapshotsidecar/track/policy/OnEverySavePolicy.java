package dev.snapshotsidecar.track.policy;

import dev.snapshotsidecar.request.RequestReason;
import java.util.Optional;

/** Due after every event: the article's "on aggregate save" strategy, fastest reads and most writes. */
public enum OnEverySavePolicy implements SnapshotPolicy {
    INSTANCE;

    @Override
    public Optional<RequestReason> due(StreamView stream, long nowMillis, Trigger trigger) {
        return stream.eventsSinceSnapshot() >= 1 ? Optional.of(RequestReason.THRESHOLD) : Optional.empty();
    }
}
