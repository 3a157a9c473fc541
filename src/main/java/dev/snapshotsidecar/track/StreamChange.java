package dev.snapshotsidecar.track;

import dev.snapshotsidecar.ingest.AppendedEvent;

import java.time.Instant;
import java.util.Objects;

/**
 * What travels through the repartition topic to the head tracker, keyed by stream id: an appended event, or the
 * news that events of the stream were deleted. Wire format: {@code appended} is null when {@code erased} is true.
 *
 * @param position for a deletion, the global position of the deleted row (NONE when unknown, e.g. a tombstone)
 */
record StreamChange(int v, String streamId, boolean erased, AppendedEvent appended, Instant at,
                           long position) {
    static final int FORMAT = 1;

    public StreamChange {
        Objects.requireNonNull(streamId, "streamId");
        Objects.requireNonNull(at, "at");
        if (!erased) {
            Objects.requireNonNull(appended, "appended");
        }
    }

    static StreamChange appended(AppendedEvent event) {
        return new StreamChange(FORMAT, event.streamId(), false, event, event.committedAt(), StreamHead.NONE);
    }

    static StreamChange erased(String streamId, Instant at, long position) {
        return new StreamChange(FORMAT, streamId, true, null, at, position);
    }
}
