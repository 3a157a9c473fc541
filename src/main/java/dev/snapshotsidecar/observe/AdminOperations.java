package dev.snapshotsidecar.observe;

import dev.snapshotsidecar.store.StoredSnapshot;
import dev.snapshotsidecar.track.HeadsQuery;
import dev.snapshotsidecar.track.SnapshotRequest;
import dev.snapshotsidecar.track.StreamHead;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/** What the HTTP server asks of the running sidecar. Implementations are thread-safe. */
public interface AdminOperations {

    /** Whether the process should be restarted: false once the tracker failed for good or the worker died. */
    boolean live();

    /** Why the instance cannot serve now; empty when it is ready (tracker RUNNING, database reachable). */
    List<String> notReadyBecause();

    HeadsQuery heads();

    /** The newest snapshot of the stream in the database, of the schema its type's aggregator writes. */
    Optional<StoredSnapshot> latestSnapshot(String streamId, String aggregateType);

    SnapshotRequest requestSnapshot(String streamId, StreamHead head) throws Exception;

    /** @return how many tracker tasks the rebuild command reached */
    int requestRebuild(String aggregateType) throws Exception;

    Set<String> aggregateTypes();

    long firstVersion();
}
