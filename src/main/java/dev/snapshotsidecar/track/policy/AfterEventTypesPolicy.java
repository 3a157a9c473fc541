package dev.snapshotsidecar.track.policy;

import dev.snapshotsidecar.request.RequestReason;

import java.util.Optional;
import java.util.Set;

/**
 * Due once an event of one of {@code eventTypes} follows the latest snapshot: a stream that reaches a resting state
 * (discharged, discontinued) gets its snapshot at once, the state most likely to be read for years. The tracker marks
 * such events as they arrive ({@link #marks}), so the rule holds until a snapshot covers the event, however the
 * stream was looked at (a request pending when the event came, a minimum interval holding it back).
 */
public record AfterEventTypesPolicy(Set<String> eventTypes) implements SnapshotPolicy {
    public AfterEventTypesPolicy {
        eventTypes = Set.copyOf(eventTypes);
        if (eventTypes.isEmpty()) {
            throw new IllegalArgumentException("snapshot-after-events needs at least one event type");
        }
    }

    /** Whether an event of this type makes the stream due. */
    public boolean marks(String eventType) {
        return eventTypes.contains(eventType);
    }

    @Override
    public Optional<RequestReason> due(StreamView stream, long nowMillis, Trigger trigger) {
        return stream.markedSinceSnapshot() && stream.eventsSinceSnapshot() > 0
                ? Optional.of(RequestReason.AFTER_EVENT) : Optional.empty();
    }
}
