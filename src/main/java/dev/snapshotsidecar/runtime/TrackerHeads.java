package dev.snapshotsidecar.runtime;

import dev.snapshotsidecar.track.HeadsQuery;
import dev.snapshotsidecar.track.TrackerLag;

import java.util.Optional;
import java.util.OptionalLong;

/**
 * The tracker as a reconcile pass sees it: heads through interactive queries (only those held here), the operator's
 * request through the tracker's store, and its lag from the broker. Thread-safe; called from the reconcile thread.
 */
final class TrackerHeads implements Reconciler.Heads {
    private final HeadsQuery heads;
    private final TrackerLag lag;

    TrackerHeads(HeadsQuery heads, TrackerLag lag) {
        this.heads = heads;
        this.lag = lag;
    }

    @Override
    public Reconciler.Lookup lookup(String streamId) {
        try {
            if (!(heads.owner(streamId) instanceof HeadsQuery.Owner.Here)) {
                return new Reconciler.Lookup.Elsewhere();
            }
            return heads.local(streamId).<Reconciler.Lookup>map(Reconciler.Lookup.Known::new)
                    .orElseGet(Reconciler.Lookup.Missing::new);
        } catch (HeadsQuery.TrackerUnavailableException e) {
            return new Reconciler.Lookup.Elsewhere(); // a rebalance: the stream's owner compares it next pass
        }
    }

    @Override
    public Optional<Long> requestedMillis() {
        return heads.reconcileRequestedMillis();
    }

    @Override
    public OptionalLong behind() {
        return lag.behind();
    }
}
