package dev.snapshotsidecar.track.policy;

import dev.snapshotsidecar.request.RequestReason;
import java.util.Optional;

/** Due once {@code n} events follow the latest snapshot: worst case a reader replays n - 1 events past it. */
public record EveryNEventsPolicy(int n) implements SnapshotPolicy {
    public EveryNEventsPolicy {
        if (n < 1) {
            throw new IllegalArgumentException("every-n-events must be at least 1, was " + n);
        }
    }

    @Override
    public Optional<RequestReason> due(StreamView stream, long nowMillis, Trigger trigger) {
        return stream.eventsSinceSnapshot() >= n ? Optional.of(RequestReason.THRESHOLD) : Optional.empty();
    }
}
