package dev.snapshotsidecar.track.policy;

import dev.snapshotsidecar.request.RequestReason;
import java.time.Duration;
import java.util.Optional;

/** Due when a stream has events since its last snapshot and none newer than {@code idle}; seen by the scan. */
public record IdlePolicy(Duration idle) implements SnapshotPolicy {
    @Override
    public Optional<RequestReason> due(StreamView stream, long nowMillis, Trigger trigger) {
        return trigger != Trigger.EVENT && stream.eventsSinceSnapshot() > 0
                && nowMillis - stream.lastEventMillis() >= idle.toMillis()
                ? Optional.of(RequestReason.IDLE) : Optional.empty();
    }
}
