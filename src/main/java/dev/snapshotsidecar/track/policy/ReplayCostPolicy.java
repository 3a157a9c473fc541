package dev.snapshotsidecar.track.policy;

import dev.snapshotsidecar.request.RequestReason;

import java.time.Duration;
import java.util.Optional;

/**
 * Due once replaying the events after the latest snapshot would take a reader longer than {@code limit}: events
 * since the snapshot times the type's fold speed, which the tracker estimates from the worker's builds. Heavy events
 * (large payloads, an expensive apply) get snapshots sooner than light ones, with no threshold tuned by hand.
 */
public record ReplayCostPolicy(Duration limit) implements SnapshotPolicy {
    public ReplayCostPolicy {
        if (limit.isNegative() || limit.isZero()) {
            throw new IllegalArgumentException("replay-cost-above must be positive, was " + limit);
        }
    }

    @Override
    public Optional<RequestReason> due(StreamView stream, long nowMillis, Trigger trigger) {
        return stream.eventsSinceSnapshot() > 0 && stream.replayMillis() >= limit.toMillis()
                ? Optional.of(RequestReason.REPLAY_COST) : Optional.empty();
    }
}
