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

    /** Up to {@code limit} streams with their latest snapshot version (any schema), in id order after {@code afterStreamId}. */
    List<StreamVersion> latestVersions(String afterStreamId, int limit);

    /**
     * Keeps the newest {@code keep} snapshots of the stream (any schema version) and deletes the rest, in bounded
     * batches.
     *
     * @return how many were deleted
     */
    int prune(String streamId, int keep);

    /**
     * {@link #save} and, when the row was written, {@link #prune} to the newest {@code keep}: what a build does last.
     * A dialect may do both in one round trip; the outcome is the same as the two calls'.
     */
    default Saved saveAndPrune(StoredSnapshot snapshot, int keep) {
        boolean written = save(snapshot);
        return new Saved(written, written ? prune(snapshot.streamId(), keep) : 0);
    }

    /** Deletes every snapshot of the stream, in bounded batches (erasure). @return how many were deleted */
    int deleteAll(String streamId);

    /** What {@link #saveAndPrune} did: whether the row was written, and how many older rows were deleted. */
    record Saved(boolean written, int pruned) {
    }

    /** A stream and a version of it. */
    record StreamVersion(String streamId, long version) {
    }
}
