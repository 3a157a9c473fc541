package dev.snapshotsidecar.store;

import java.util.List;

/**
 * Appends events the way an event-sourced service does; used by the demo workload and the tests, never by the
 * running sidecar, which only reads the events table.
 */
public interface EventAppender {

    /** One event to write. {@code data} is JSON text. */
    record NewEvent(String streamId, long version, String eventType, String data) {
        @Override
        public String toString() {
            return "NewEvent[" + streamId + "@" + version + " " + eventType + "]";
        }
    }

    /** Writes the events in one transaction. */
    void append(List<NewEvent> events);
}
