package dev.snapshotsidecar.build;

import dev.snapshotsidecar.request.SnapshotRequest;
import dev.snapshotsidecar.request.SnapshotResult;

/**
 * Builds the snapshot one request asks for, or erases a stream's snapshots. Called by the worker from its build
 * threads, never two at once for the same stream; implementations must be thread-safe across streams.
 */
public interface SnapshotBuilder {

    /**
     * @param lease checked right before each write: once it is no longer held, nothing is written
     * @return how the build ended; a problem with this one stream is a FAILED result with the reason
     * @throws dev.snapshotsidecar.store.TransientStoreException when the database is unavailable: the worker retries
     * @throws LeaseLostException when the lease was lost before a write
     */
    SnapshotResult build(SnapshotRequest request, BuildLease lease);
}
