package dev.snapshotsidecar.track;

import java.util.Optional;

/**
 * Decides, for one aggregate type, whether a stream is due a snapshot. Called on the stream thread for every event,
 * scan and sweep, so it must be pure and fast; thread-safe.
 */
public interface SnapshotPolicy {

    /**
     * @param head                the stream's head
     * @param eventsSinceSnapshot events after its latest snapshot (or since its start)
     * @param nowMillis           the tracker's clock
     * @param trigger             what made the tracker look
     * @return the reason a snapshot is due, or empty when none is
     */
    Optional<RequestReason> due(StreamHead head, long eventsSinceSnapshot, long nowMillis, Trigger trigger);
}
