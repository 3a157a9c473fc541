package dev.snapshotsidecar.observe;

import dev.snapshotsidecar.store.StoredSnapshot;
import dev.snapshotsidecar.track.HeadsQuery;
import dev.snapshotsidecar.request.SnapshotRequest;
import dev.snapshotsidecar.track.RebuildProgress;
import dev.snapshotsidecar.track.StreamHead;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What the HTTP server asks of the running sidecar. Implementations are thread-safe. {@link #live()} and
 * {@link #notReadyBecause()} are called on the server's I/O threads, which also answer every other probe: they must
 * answer at once from state kept current elsewhere, never wait on the database, Kafka or another instance. The
 * others run on the admin threads and may block for a bounded time.
 */
public interface AdminOperations {

    /** Whether the process should be restarted: false once the tracker failed for good or the worker died. */
    boolean live();

    /**
     * Why the instance cannot serve now (starting, and what it waits for; tracker not RUNNING; worker stopped;
     * database not answering); empty when it is ready.
     */
    List<String> notReadyBecause();

    /** Whether the tracker exists, so heads can be asked for; false while the sidecar starts. */
    boolean started();

    /** Which instance holds the stream's head; {@link HeadsQuery.Owner.Unknown} while starting or rebalancing. */
    HeadsQuery.Owner owner(String streamId);

    /**
     * The head of a stream this instance owns.
     *
     * @throws HeadsQuery.TrackerUnavailableException while the tracker's store cannot be queried
     */
    Optional<StreamHead> head(String streamId);

    /** Lengths, tails and snapshot ages of the heads this instance holds. */
    HeadStatistics localStatistics(long nowMillis);

    /** The other instances of the application, as host:port. */
    List<String> otherInstances();

    /** The newest snapshot of the stream in the database, of the schema its type's aggregator writes. */
    LatestSnapshot latestSnapshot(String streamId, String aggregateType);

    SnapshotRequest requestSnapshot(String streamId, StreamHead head) throws Exception;

    /**
     * Resets the stream's head to its last version in the database (a head a bad record moved beyond its events).
     *
     * @return that version (one below the first version when the stream has no event)
     * @throws dev.snapshotsidecar.store.StoreException when the database cannot say
     */
    long resetHead(String streamId) throws Exception;

    /**
     * Sends a rebuild command to every tracker task.
     *
     * @param requestedAt the command's time, which identifies the rebuild when its progress is asked for
     * @return how many tracker tasks the rebuild command reached
     */
    int requestRebuild(String aggregateType, Instant requestedAt) throws Exception;

    /**
     * This instance's share of the progress of the rebuild of a type asked for at {@code requestedAt}
     * ({@link Instant#EPOCH}: whichever each task holds); read from the tracker's stores on the calling thread.
     *
     * @throws HeadsQuery.TrackerUnavailableException while the tracker's stores cannot be queried
     */
    RebuildProgress rebuildProgress(String aggregateType, Instant requestedAt);

    /** How many tasks the tracker has over all instances: the partitions of its topics. */
    int trackerTasks();

    /** What the status page shows of this instance beyond its meters; from state kept by other threads. */
    InstanceStatus instanceStatus();

    Set<String> aggregateTypes();

    /**
     * Per aggregate type, the tracker's estimate of what replaying one of its events costs (the prior until builds
     * measured it), and the type's replay-cost limit when it has one. Never waits on another instance.
     */
    default Map<String, ReplayCostEstimate> replayCosts() {
        return Map.of();
    }

    long firstVersion();

    /** What the database says of a stream's latest snapshot, or why it cannot say now. */
    sealed interface LatestSnapshot {
        /** The database answered; empty when the stream has no snapshot of that schema. */
        record Known(Optional<StoredSnapshot> snapshot) implements LatestSnapshot {
        }

        /** The database did not answer; {@code reason} says why, without secrets. */
        record Unavailable(String reason) implements LatestSnapshot {
        }
    }
}
