package dev.snapshotsidecar.store;

import java.util.List;
import java.util.Optional;

/** The snapshots table. Thread-safe; each call takes and returns a pooled connection. */
public interface SnapshotStore {

    /** The newest snapshot of the stream written at {@code schemaVersion}. */
    Optional<StoredSnapshot> latest(String streamId, int schemaVersion);

    /**
     * Writes the snapshot unless a row at the same stream and version exists (idempotent).
     *
     * @return true when a row was written, false when one was already there
     */
    boolean save(StoredSnapshot snapshot);

    /** Up to {@code limit} ids of streams that have snapshots, in id order after {@code afterStreamId} (exclusive). */
    List<String> streamIds(String afterStreamId, int limit);
}
