package dev.snapshotsidecar.build;

import dev.snapshotsidecar.fold.Aggregator;
import dev.snapshotsidecar.fold.AggregatorRegistry;
import dev.snapshotsidecar.fold.FoldException;
import dev.snapshotsidecar.fold.StoredEvent;
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
 * Builds a snapshot by folding: loads the latest snapshot of the aggregator's schema version, folds the events after it up
 * to the requested version (read from the database, never from Kafka), refuses it when larger than the type's
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
 * with one stream becomes a FAILED result naming the reason.
 */
public final class FoldingSnapshotBuilder implements SnapshotBuilder {
    private final SnapshotStore snapshots;
    private final EventReader events;
    private final Map<String, BuildRules> rulesByType;
    private final AggregatorRegistry aggregators;
    private final long firstVersion;
    private final Clock clock;

    public FoldingSnapshotBuilder(SnapshotStore snapshots, EventReader events, AggregatorRegistry aggregators,
                                  Map<String, BuildRules> rulesByType, long firstVersion, Clock clock) {
        this.snapshots = snapshots;
        this.events = events;
        this.aggregators = aggregators;
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
        Optional<Aggregator<?>> aggregator = rules.map(BuildRules::aggregator).flatMap(aggregators::find);
        if (aggregator.isEmpty()) {
            return failed(request, "no aggregator is configured for aggregate type '" + request.aggregateType() + "'",
                    started);
        }
        try {
            return build(request, aggregator.get(), rules.get(), lease, started);
        } catch (FoldException e) {
            return failed(request, e.getMessage(), started);
        } catch (PermanentStoreException e) {
            return failed(request, e.getMessage(), started);
        }
    }

    private <S> SnapshotResult build(SnapshotRequest request, Aggregator<S> aggregator, BuildRules rules,
                                     BuildLease lease, long started) {
        String streamId = request.streamId();
        Optional<StoredSnapshot> latest = snapshots.latest(streamId, aggregator.schemaVersion());
        if (latest.isPresent() && latest.get().version() >= request.headVersion()) {
            return request.answer(latest.get().version(), Outcome.ALREADY_CURRENT,
                    "a snapshot at version " + latest.get().version() + " exists", clock.millis() - started);
        }
        Fold<S> fold = new Fold<>(aggregator, streamId,
                latest.map(s -> readState(aggregator, s)).orElseGet(aggregator::initialState),
                latest.map(StoredSnapshot::version).orElse(firstVersion - 1), request.position(), lease);
        events.read(streamId, fold.version + 1, request.headVersion(), fold::apply);
        if (fold.version != request.headVersion()) {
            return endedEarly(request, fold.version, started);
        }
        String json = aggregator.toJson(fold.state);
        long bytes = Utf8.length(json);
        if (bytes > rules.maxSnapshotBytes()) {
            return request.answer(fold.version, Outcome.TOO_LARGE, "the snapshot would be " + bytes
                    + " bytes, over the " + rules.maxSnapshotBytes() + " allowed", clock.millis() - started);
        }
        check(lease, request);
        SnapshotStore.Saved saved = snapshots.saveAndPrune(new StoredSnapshot(streamId, fold.version,
                request.aggregateType(), json, aggregator.schemaVersion()), fold.position, rules.keepSnapshots());
        return switch (saved.write()) {
            case WRITTEN -> request.answer(fold.version, Outcome.WRITTEN, "folded " + fold.count + " events, " + bytes
                    + " bytes, pruned " + saved.pruned(), clock.millis() - started);
            case EXISTED -> request.answer(fold.version, Outcome.ALREADY_CURRENT,
                    "written concurrently by another build", clock.millis() - started);
            case EVENT_GONE -> failed(request, "the event at version " + fold.version + " was deleted or written"
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

    private static <S> S readState(Aggregator<S> aggregator, StoredSnapshot snapshot) {
        try {
            return aggregator.fromJson(snapshot.data());
        } catch (RuntimeException e) {
            throw new FoldException(snapshot.streamId(), snapshot.version(), "(snapshot)",
                    "the snapshot at this version cannot be read: " + e.getClass().getSimpleName(), e);
        }
    }

    private SnapshotResult failed(SnapshotRequest request, String reason, long started) {
        return request.answer(request.headVersion(), Outcome.FAILED, reason, clock.millis() - started);
    }

    /**
     * The running fold of one build: checks that versions are contiguous, that no event was written after the
     * request (above its position bound: a new incarnation of the id), and every {@link #LEASE_CHECK} events that
     * the lease still holds, so a build whose request moved to another worker stops folding early.
     */
    private static final class Fold<S> {
        static final int LEASE_CHECK = 256;
        private final Aggregator<S> aggregator;
        private final String streamId;
        private final long positionBound;
        private final BuildLease lease;
        private S state;
        private long version;
        private long position = -1;
        private long count;

        Fold(Aggregator<S> aggregator, String streamId, S state, long version, long positionBound, BuildLease lease) {
            this.aggregator = aggregator;
            this.streamId = streamId;
            this.state = state;
            this.version = version;
            this.positionBound = positionBound;
            this.lease = lease;
        }

        void apply(StoredEvent event) {
            if (event.version() != version + 1) {
                throw new FoldException(streamId, event.version(), event.eventType(),
                        "expected version " + (version + 1) + ": the stream has a gap", null);
            }
            if (positionBound >= 0 && event.position() > positionBound) {
                throw new FoldException(streamId, event.version(), event.eventType(), "written after the request"
                        + " (global position " + event.position() + " above " + positionBound
                        + "): the stream was erased and written again", null);
            }
            if (count % LEASE_CHECK == LEASE_CHECK - 1 && !lease.held()) {
                throw new LeaseLostException(streamId);
            }
            try {
                state = aggregator.apply(state, event);
            } catch (RuntimeException e) {
                // the exception's message may quote the payload: only its type is reported
                throw new FoldException(streamId, event.version(), event.eventType(),
                        e.getClass().getSimpleName() + " in " + aggregator.name(), e);
            }
            version = event.version();
            position = event.position();
            count++;
        }
    }
}
