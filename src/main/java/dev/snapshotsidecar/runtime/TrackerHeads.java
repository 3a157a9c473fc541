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
        // held elsewhere, or by no one during a rebalance: the stream's owner compares it in its own pass
        return heads.held(streamId).map(head -> head.<Reconciler.Lookup>map(Reconciler.Lookup.Known::new)
                .orElseGet(Reconciler.Lookup.Missing::new)).orElseGet(Reconciler.Lookup.Elsewhere::new);
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
