package dev.snapshotsidecar.track;

import java.time.Duration;
import java.util.Optional;

/** Due when a stream has events since its last snapshot and none newer than {@code idle}; seen by the scan. */
public record IdlePolicy(Duration idle) implements SnapshotPolicy {
    @Override
    public Optional<RequestReason> due(StreamHead head, long eventsSinceSnapshot, long nowMillis, Trigger trigger) {
        return trigger != Trigger.EVENT && eventsSinceSnapshot > 0
                && nowMillis - head.lastEventMillis() >= idle.toMillis()
                ? Optional.of(RequestReason.IDLE) : Optional.empty();
    }
}
