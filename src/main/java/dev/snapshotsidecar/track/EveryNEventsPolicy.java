package dev.snapshotsidecar.track;

import java.util.Optional;

/** Due once {@code n} events follow the latest snapshot: worst case a reader replays n - 1 events past it. */
public record EveryNEventsPolicy(int n) implements SnapshotPolicy {
    public EveryNEventsPolicy {
        if (n < 1) {
            throw new IllegalArgumentException("every-n-events must be at least 1, was " + n);
        }
    }

    @Override
    public Optional<RequestReason> due(StreamHead head, long eventsSinceSnapshot, long nowMillis, Trigger trigger) {
        return eventsSinceSnapshot >= n ? Optional.of(RequestReason.THRESHOLD) : Optional.empty();
    }
}
