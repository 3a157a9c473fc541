package dev.snapshotsidecar.track;

import java.time.Duration;
import java.util.Optional;

/** Holds back whatever {@code rules} say until {@code interval} has passed since the stream's last snapshot. */
public record MinimumIntervalPolicy(SnapshotPolicy rules, Duration interval) implements SnapshotPolicy {
    @Override
    public Optional<RequestReason> due(StreamHead head, long eventsSinceSnapshot, long nowMillis, Trigger trigger) {
        if (head.lastSnapshotMillis() > 0 && nowMillis - head.lastSnapshotMillis() < interval.toMillis()) {
            return Optional.empty();
        }
        return rules.due(head, eventsSinceSnapshot, nowMillis, trigger);
    }
}
