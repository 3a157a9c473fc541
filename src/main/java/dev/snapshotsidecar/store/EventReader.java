package dev.snapshotsidecar.store;

import dev.snapshotsidecar.fold.StoredEvent;

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

    /** Receives events one at a time. */
    @FunctionalInterface
    interface EventSink {
        void accept(StoredEvent event);
    }
}
