package dev.snapshotsidecar.store;

import dev.snapshotsidecar.fold.StoredEvent;

import java.util.List;

/**
 * Reads a stream's events from the service's events table. Thread-safe; each call takes and returns a pooled
 * connection. Events are streamed with the configured fetch size, never loaded as a whole tail.
 */
public interface EventReader {

    /**
     * Passes the events of {@code streamId} with {@code fromVersion <= version <= toVersion} to {@code sink}, in
     * version order. An exception thrown by the sink stops the read and propagates unchanged.
     *
     * @return how many events were passed on
     * @throws StoreException when the database fails
     */
    long read(String streamId, long fromVersion, long toVersion, EventSink sink);

    /**
     * What a service's load does, in one round trip: passes the stream's latest snapshot of {@code schemaVersion}
     * to {@code snapshot} (when it has one), then the events after it up to {@code toVersion} to {@code sink}, in
     * version order (every event from {@code firstVersion} when there is no snapshot). Where the database does not
     * read one statement at one moment (SQL Server under locking READ COMMITTED), a snapshot saved while the
     * statement runs can leave the events not following the snapshot passed: the caller checks that the first event
     * is the snapshot's version + 1 and reads again otherwise. The rows come whole with the one round trip, not
     * streamed (a reader's tail is short; a build, which may fold a long history, uses {@link #read}). An exception
     * thrown by a sink stops the read and propagates unchanged.
     *
     * @return how many events were passed on
     * @throws StoreException when the database fails
     */
    long readFromLatestSnapshot(String streamId, int schemaVersion, long firstVersion, long toVersion,
                                java.util.function.Consumer<StoredSnapshot> snapshot, EventSink sink);

    /** The stream's last version in the events table; empty when it has no event. */
    java.util.OptionalLong lastVersion(String streamId);

    /**
     * Up to {@code limit} streams after {@code afterStreamId} (exclusive), in id order, with their last version and
     * the value of the aggregate-type column when there is one. One index range per call: a bounded, index-friendly
     * query for measuring stream lengths.
     */
    List<StreamLength> streamLengths(String afterStreamId, int limit);

    /** A stream, its last version and, when the table has a type column, its type value. */
    record StreamLength(String streamId, long lastVersion, java.util.Optional<String> typeValue) {
    }

    /**
     * Up to {@code limit} streams after {@code afterStreamId} (exclusive), in id order, each with its last event: what
     * a reconcile pass compares with the tracker's heads, one keyset page at a time. A dialect answers it in one
     * query; this default asks for the lengths, then reads each stream's last event.
     */
    default List<StreamEnd> streamEnds(String afterStreamId, int limit) {
        List<StreamEnd> ends = new java.util.ArrayList<>();
        for (StreamLength stream : streamLengths(afterStreamId, limit)) {
            read(stream.streamId(), stream.lastVersion(), stream.lastVersion(), last -> ends.add(new StreamEnd(
                    stream.streamId(), last.version(), last.eventType(), last.createdAt(), last.position(),
                    stream.typeValue())));
        }
        return ends;
    }

    /**
     * A stream's last event as the table holds it.
     *
     * @param lastPosition its global position
     * @param typeValue    the value of the aggregate-type column, when the table has one
     */
    record StreamEnd(String streamId, long lastVersion, String lastEventType, java.time.Instant lastEventAt,
                     long lastPosition, java.util.Optional<String> typeValue) {
    }

    /** Receives events one at a time. */
    @FunctionalInterface
    interface EventSink {
        void accept(StoredEvent event);
    }
}
