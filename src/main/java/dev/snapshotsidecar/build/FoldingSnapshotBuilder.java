package dev.snapshotsidecar.build;

import dev.snapshotsidecar.fold.Fold;
import dev.snapshotsidecar.fold.FoldException;
import dev.snapshotsidecar.fold.FoldState;
import dev.snapshotsidecar.fold.FoldUnavailableException;
import dev.snapshotsidecar.store.EventReader;
import dev.snapshotsidecar.store.PermanentStoreException;
import dev.snapshotsidecar.store.SnapshotStore;
import dev.snapshotsidecar.store.StoredSnapshot;
import dev.snapshotsidecar.request.Outcome;
import dev.snapshotsidecar.request.SnapshotRequest;
import dev.snapshotsidecar.request.SnapshotResult;

import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Builds a snapshot by folding: loads the latest snapshot of the type's fold's schema version, folds the events after it
 * up to the requested version (read from the database, never from Kafka) through the type's {@link Fold}, whatever
 * its kind (a Java aggregator, JSONata, the service over HTTP), refuses it when larger than the type's
 * maximum (TOO_LARGE), saves it idempotently, only while the event at its version is still the one folded, and prunes
 * all but the type's last K. A snapshot at version V is therefore the fold of the events first..V as the database
 * holds them.
 *
 * <p>When the events end before the requested version, the result is HEAD_BEYOND_EVENTS with the database's last
 * version, so the tracker corrects its head; a gap before the end fails the stream. An ERASE request deletes the
 * stream's snapshots if no event of the erased incarnation remains (ERASED), and nothing otherwise (EVENTS_REMAIN).
 *
 * <p>Thread-safe; called from the worker's build threads. Transient database failures propagate as
 * {@link dev.snapshotsidecar.store.TransientStoreException} for the worker to retry; everything else that is wrong
 * with one stream becomes a FAILED result naming the reason, as does a fold that cannot be computed now (its service
 * unreachable past its retries, {@link FoldUnavailableException}): the tracker asks again after its backoff.
 */
public final class FoldingSnapshotBuilder implements SnapshotBuilder {
    private final SnapshotStore snapshots;
    private final EventReader events;
    private final Map<String, BuildRules> rulesByType;
    private final Folds folds;
    private final long firstVersion;
    private final Clock clock;

    public FoldingSnapshotBuilder(SnapshotStore snapshots, EventReader events, Folds folds,
                                  Map<String, BuildRules> rulesByType, long firstVersion, Clock clock) {
        this.snapshots = snapshots;
        this.events = events;
        this.folds = folds;
        this.rulesByType = Map.copyOf(rulesByType);
        this.firstVersion = firstVersion;
        this.clock = clock;
    }

    @Override
    public SnapshotResult build(SnapshotRequest request, BuildLease lease) {
        long started = clock.millis();
        if (request.erases()) {
            check(lease, request);
            SnapshotStore.Erased erased = snapshots.erase(request.streamId(), request.position());
            // an erasure's result names the position it was checked against, so the tracker can tell it from an
            // answer to an earlier ERASE of the same stream
            return erased.eventsRemain()
                    ? request.answer(request.position(), Outcome.EVENTS_REMAIN, "events of the stream remain"
                    + (request.position() < 0 ? "" : " at or below global position " + request.position())
                    + (erased.deleted() == 0 ? "" : "; deleted " + erased.deleted() + " snapshots above its last event"),
                    clock.millis() - started)
                    : request.answer(request.position(), Outcome.ERASED, "deleted " + erased.deleted()
                    + " snapshots", clock.millis() - started);
        }
        Optional<BuildRules> rules = Optional.ofNullable(rulesByType.get(request.aggregateType()));
        Optional<Fold> fold = rules.flatMap(r -> folds.forType(request.aggregateType()));
        if (fold.isEmpty()) {
            return failed(request, "no fold is configured for aggregate type '" + request.aggregateType() + "'",
                    started);
        }
        try {
            return build(request, fold.get(), rules.get(), lease, started);
        } catch (FoldException | FoldUnavailableException | PermanentStoreException e) {
            return failed(request, e.getMessage(), started);
        }
    }

    private SnapshotResult build(SnapshotRequest request, Fold fold, BuildRules rules, BuildLease lease,
                                 long started) {
        String streamId = request.streamId();
        int schemaVersion = fold.schemaVersion();
        Optional<StoredSnapshot> latest = snapshots.latest(streamId, schemaVersion);
        if (latest.isPresent() && latest.get().version() >= request.headVersion()) {
            return request.answer(latest.get().version(), Outcome.ALREADY_CURRENT,
                    "a snapshot at version " + latest.get().version() + " exists", clock.millis() - started);
        }
        // no event above the position the tracker had seen is folded (a new life of the id), and the lease is checked
        // as the fold goes, so a build whose request moved to another worker stops early. The snapshot and its tail
        // are read in two round trips: measured, one statement for both was no faster for a build's tail
        // (BENCHMARKS.md)
        FoldReplay.Replayed folded = FoldReplay.replay(fold, events, streamId,
                latest.map(s -> new FoldState(s.version(), s.schemaVersion(), s.data())), firstVersion,
                request.headVersion(), request.position(), () -> check(lease, request));
        if (folded.version() != request.headVersion() || folded.state().isEmpty()) {
            return endedEarly(request, folded.version(), started);
        }
        FoldState state = folded.state().get();
        long bytes = Utf8.length(state.json());
        if (bytes > rules.maxSnapshotBytes()) {
            return request.answer(folded.version(), Outcome.TOO_LARGE, "the snapshot would be " + bytes
                    + " bytes, over the " + rules.maxSnapshotBytes() + " allowed", clock.millis() - started);
        }
        check(lease, request);
        SnapshotStore.Saved saved = snapshots.saveAndPrune(new StoredSnapshot(streamId, folded.version(),
                request.aggregateType(), state.json(), state.schemaVersion()), folded.position(),
                rules.keepSnapshots());
        return switch (saved.write()) {
            case WRITTEN -> request.answer(folded.version(), Outcome.WRITTEN, "folded " + folded.events()
                    + " events, " + bytes + " bytes, pruned " + saved.pruned() + " (" + fold.kind().configName() + ")",
                    clock.millis() - started);
            case EXISTED -> request.answer(folded.version(), Outcome.ALREADY_CURRENT,
                    "written concurrently by another build", clock.millis() - started);
            case EVENT_GONE -> failed(request, "the event at version " + folded.version() + " was deleted or written"
                    + " again while building: not saved", started);
        };
    }

    /** The events stopped before the requested version: the end of the stream, or a gap before more events. */
    private SnapshotResult endedEarly(SnapshotRequest request, long foldedTo, long started) {
        OptionalLong last = events.lastVersion(request.streamId());
        if (last.isPresent() && last.getAsLong() > foldedTo) {
            return failed(request, "events of " + request.streamId() + " have a gap after version " + foldedTo,
                    started);
        }
        long lastVersion = last.isPresent() ? last.getAsLong() : firstVersion - 1;
        return request.answer(lastVersion, Outcome.HEAD_BEYOND_EVENTS, "the database's events end at version "
                + lastVersion + ", before the requested " + request.headVersion(), clock.millis() - started);
    }

    private static void check(BuildLease lease, SnapshotRequest request) {
        if (!lease.held()) {
            throw new LeaseLostException(request.streamId());
        }
    }

    private SnapshotResult failed(SnapshotRequest request, String reason, long started) {
        return request.answer(request.headVersion(), Outcome.FAILED, reason, clock.millis() - started);
    }
}
