package dev.snapshotsidecar.build;

import dev.snapshotsidecar.request.Outcome;
import dev.snapshotsidecar.request.RequestReason;
import dev.snapshotsidecar.request.SnapshotRequest;
import dev.snapshotsidecar.request.SnapshotResult;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The latest snapshot version this worker built or found, per stream and incarnation, for the most recently built
 * streams: a duplicate of a request already answered (a request sent again while the first still waited in the
 * queue) is answered from here, with no build permit and no database round trip. Forgotten on an erasure of the
 * stream and whenever partitions move (another worker may then change the stream). A schema rebuild's request is
 * never answered from here: it exists because the fold's schema version changed, which a version here does not tell
 * (an HTTP fold's can change while this worker runs). Thread-safe.
 */
final class RecentBuilds {
    private final Map<String, long[]> latest;

    RecentBuilds(int capacity) {
        this.latest = new LinkedHashMap<>(1024, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, long[]> eldest) {
                return size() > capacity;
            }
        };
    }

    /** The answer to a build request already covered by a snapshot this worker knows of. */
    synchronized Optional<SnapshotResult> answer(SnapshotRequest request) {
        if (request.erases() || request.reason() == RequestReason.REBUILD) {
            return Optional.empty();
        }
        long[] known = latest.get(request.streamId());
        if (known == null || known[0] != request.incarnation() || known[1] < request.headVersion()) {
            return Optional.empty();
        }
        return Optional.of(request.answer(known[1], Outcome.ALREADY_CURRENT, "a snapshot at version " + known[1]
                + " was built moments ago", 0));
    }

    synchronized void learn(SnapshotRequest request, SnapshotResult result) {
        if (request.erases()) {
            latest.remove(request.streamId());
        } else if (result.outcome().snapshotExists()) {
            long[] known = latest.get(request.streamId());
            if (known == null || known[0] != request.incarnation() || known[1] < result.version()) {
                latest.put(request.streamId(), new long[]{request.incarnation(), result.version()});
            }
        }
    }

    synchronized void clear() {
        latest.clear();
    }
}
