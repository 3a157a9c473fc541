package dev.snapshotsidecar.fold;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One event as the service stored it, read back from the events table.
 *
 * @param streamId  the stream it belongs to
 * @param version   its version within the stream, contiguous from the configured first version
 * @param eventType the service's name for the event
 * @param data      the event payload as JSON text; may hold patient data, so it is never logged
 * @param metadata  the metadata column as JSON text, when the table has one
 * @param createdAt when the service wrote it
 * @param position  its global position (the events table's store-wide position column), or -1 when not known
 */
public record StoredEvent(String streamId, long version, String eventType, String data, Optional<String> metadata,
                          Instant createdAt, long position) {
    /** An event whose global position is not known: what plugins and their tests built before positions. */
    public StoredEvent(String streamId, long version, String eventType, String data, Optional<String> metadata,
                       Instant createdAt) {
        this(streamId, version, eventType, data, metadata, createdAt, -1);
    }

    public StoredEvent {
        Objects.requireNonNull(streamId, "streamId");
        Objects.requireNonNull(eventType, "eventType");
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(metadata, "metadata");
        Objects.requireNonNull(createdAt, "createdAt");
    }

    @Override
    public String toString() {
        // never the payload: it may hold patient data
        return "StoredEvent[" + streamId + "@" + version + " " + eventType + "]";
    }
}
