package dev.snapshotsidecar.track.policy;

import dev.snapshotsidecar.request.RequestReason;
import java.util.Optional;

/**
 * Due during a scheduled sweep (its {@link SweepSchedule} says when one runs) when at least {@code minEvents}
 * follow the latest snapshot: the article's background job, off the write path.
 */
public record ScheduledSweepPolicy(int minEvents) implements SnapshotPolicy {
    @Override
    public Optional<RequestReason> due(StreamView stream, long nowMillis, Trigger trigger) {
        return trigger == Trigger.SWEEP && stream.eventsSinceSnapshot() >= minEvents
                ? Optional.of(RequestReason.SCHEDULED) : Optional.empty();
    }
}
