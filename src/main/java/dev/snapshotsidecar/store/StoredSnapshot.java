package dev.snapshotsidecar.store;

import java.util.Objects;

/**
 * One row of the snapshots table.
 *
 * @param data the state as JSON; may hold patient data, so it is never logged
 */
public record StoredSnapshot(String streamId, long version, String aggregateType, String data, int schemaVersion) {
    public StoredSnapshot {
        Objects.requireNonNull(streamId, "streamId");
        Objects.requireNonNull(aggregateType, "aggregateType");
        Objects.requireNonNull(data, "data");
    }

    @Override
    public String toString() {
        return "StoredSnapshot[" + streamId + "@" + version + " " + aggregateType + " schema " + schemaVersion + "]";
    }
}
