package dev.snapshotsidecar.track.policy;

import dev.snapshotsidecar.request.RequestReason;
import java.time.Duration;
import java.util.Optional;

/** Holds back whatever {@code rules} say until {@code interval} has passed since the stream's last snapshot. */
public record MinimumIntervalPolicy(SnapshotPolicy rules, Duration interval) implements SnapshotPolicy {
    @Override
    public Optional<RequestReason> due(StreamView stream, long nowMillis, Trigger trigger) {
        if (stream.lastSnapshotMillis() > 0 && nowMillis - stream.lastSnapshotMillis() < interval.toMillis()) {
            return Optional.empty();
        }
        return rules.due(stream, nowMillis, trigger);
    }
}
