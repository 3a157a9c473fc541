package dev.snapshotsidecar.track;

import java.util.Optional;

/** Never due: the null object for types that are not snapshotted. */
public enum NeverPolicy implements SnapshotPolicy {
    INSTANCE;

    @Override
    public Optional<RequestReason> due(StreamHead head, long eventsSinceSnapshot, long nowMillis, Trigger trigger) {
        return Optional.empty();
    }
}
