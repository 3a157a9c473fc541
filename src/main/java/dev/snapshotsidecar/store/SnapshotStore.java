package dev.snapshotsidecar.store;

import java.util.List;
import java.util.Optional;

/** The snapshots table. Thread-safe; each call takes and returns a pooled connection. */
public interface SnapshotStore {

    /** The newest snapshot of the stream written at {@code schemaVersion}. */
    Optional<StoredSnapshot> latest(String streamId, int schemaVersion);

    /**
     * Writes the snapshot unless a row at the same stream and version exists (idempotent), whether or not the events
     * table holds its events: for tools and tests. A build saves with {@link #saveAndPrune}, which checks them.
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
     * What a build does last: writes the snapshot as {@link #save} does, but only while the event at its version
     * still exists in the events table (with global position {@code eventPosition}, unless that is -1), so that a
     * build that read its events before they were deleted, or before its stream was erased and written again, leaves
     * no row behind: a dialect either holds a shared lock on that event until its write commits (SQL Server), or
     * checks it in the write's statement and again once the write committed, withdrawing its row if the event went
     * meanwhile (PostgreSQL, where a row lock would need UPDATE on the service's table). Either way an erasure, which
     * follows the events' delete, finds the row or no row is left. When the row was written (and stays), prunes to
     * the newest {@code keep} as {@link #prune} does. A dialect may do most of it in one round trip.
     */
    Saved saveAndPrune(StoredSnapshot snapshot, long eventPosition, int keep);

    /** Deletes every snapshot of the stream, in bounded batches, whatever its events: for tools and tests. */
    int deleteAll(String streamId);

    /**
     * Erasure: deletes every snapshot of the stream, in bounded batches, if no event of the stream with a global
     * position at or below {@code position} remains in the events table ({@code position} -1: no event at all);
     * otherwise deletes nothing. Each DELETE checks it again, so the answer holds for what it deleted.
     */
    Erased erase(String streamId, long position);

    /** Every snapshot of the stream, newest first, without its data: what an operator looks at. */
    List<SnapshotInfo> list(String streamId);

    /** The snapshot of the stream at {@code version}, data included, whatever its schema version. */
    Optional<StoredSnapshot> read(String streamId, long version);

    /**
     * Up to {@code limit} snapshots of the aggregate type after ({@code afterStreamId}, {@code afterVersion}), in
     * (stream, version) order, without their data: one keyset page of the primary key, so a report over a type's
     * snapshots reads the table in bounded queries.
     */
    List<SnapshotInfo> ofType(String aggregateType, String afterStreamId, long afterVersion, int limit);

    /**
     * One snapshot as an operator sees it, its data left out.
     *
     * @param bytes     the size of its data as the database stores it (UTF-8 on PostgreSQL, UTF-16 in SQL Server's
     *                  NVARCHAR)
     * @param createdAt when the database wrote it
     */
    record SnapshotInfo(String streamId, long version, int schemaVersion, String aggregateType, long bytes,
                        java.time.Instant createdAt) {
    }

    /** How a save ended. */
    enum Write {
        /** The row was written (or replaced one of another schema version). */
        WRITTEN,
        /** A row of the same stream, version and schema version was already there. */
        EXISTED,
        /** The event at the snapshot's version is no longer in the events table (or is another one): not written. */
        EVENT_GONE
    }

    /** What {@link #saveAndPrune} did, and how many older rows it deleted. */
    record Saved(Write write, int pruned) {
        public boolean written() {
            return write == Write.WRITTEN;
        }
    }

    /** What {@link #erase} did: events of the erased incarnation remain (and nothing was deleted), or how many went. */
    record Erased(boolean eventsRemain, int deleted) {
    }

    /** A stream, a version of it, and the aggregate type its snapshot row names. */
    record StreamVersion(String streamId, long version, String aggregateType) {
    }
}
