package dev.snapshotsidecar.track.policy;

import dev.snapshotsidecar.request.RequestReason;
import java.util.Optional;

/** Never due: the null object for types that are not snapshotted. */
public enum NeverPolicy implements SnapshotPolicy {
    INSTANCE;

    @Override
    public Optional<RequestReason> due(StreamView stream, long nowMillis, Trigger trigger) {
        return Optional.empty();
    }
}
