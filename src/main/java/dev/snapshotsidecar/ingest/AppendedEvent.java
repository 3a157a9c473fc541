package dev.snapshotsidecar.ingest;

import java.time.Instant;
import java.util.Objects;

/**
 * What ingest makes of one insert into the events table: which stream moved to which version. It carries no payload:
 * the builder reads event content from the database, never from Kafka.
 *
 * @param v             message format version, 1
 * @param streamId      the stream
 * @param version       the event's version in the stream
 * @param aggregateType the configured aggregate type the stream belongs to
 * @param eventType     the event type column, empty when the change event does not carry it
 * @param position      where the change came from: the global position column (decimal digits), else the log
 *                      position (PostgreSQL {@code lsn:N}, SQL Server {@code commit_lsn/change_lsn/event_serial_no})
 * @param committedAt   commit time from the source block, else the created-at column, else the record timestamp
 */
public record AppendedEvent(int v, String streamId, long version, String aggregateType, String eventType,
                            String position, Instant committedAt) {
    public static final int FORMAT = 1;

    public AppendedEvent {
        Objects.requireNonNull(streamId, "streamId");
        Objects.requireNonNull(aggregateType, "aggregateType");
        Objects.requireNonNull(eventType, "eventType");
        Objects.requireNonNull(position, "position");
        Objects.requireNonNull(committedAt, "committedAt");
    }

    /** The global position column's value, or -1 when the change event did not carry it. */
    public long globalPosition() {
        return ChangeEventParser.globalPosition(position);
    }

    public static AppendedEvent of(String streamId, long version, String aggregateType, String eventType,
                                   String position, Instant committedAt) {
        return new AppendedEvent(FORMAT, streamId, version, aggregateType, eventType, position, committedAt);
    }
}
