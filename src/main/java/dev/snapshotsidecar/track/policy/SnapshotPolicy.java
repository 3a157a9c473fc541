package dev.snapshotsidecar.track.policy;

import dev.snapshotsidecar.request.RequestReason;
import java.util.Optional;

/**
 * Decides, for one aggregate type, whether a stream is due a snapshot. Called on the stream thread for every event,
 * scan and sweep, so it must be pure and fast; thread-safe.
 */
public interface SnapshotPolicy {

    /**
     * @param stream    what the policy sees of the stream
     * @param nowMillis the tracker's clock
     * @param trigger   what made the tracker look
     * @return the reason a snapshot is due, or empty when none is
     */
    Optional<RequestReason> due(StreamView stream, long nowMillis, Trigger trigger);
}
