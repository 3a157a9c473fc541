package dev.snapshotsidecar.store;

import dev.snapshotsidecar.fold.Aggregator;
import dev.snapshotsidecar.fold.StoredEvent;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;

/**
 * What a service's repository does to read an aggregate: load the latest snapshot of its schema version, then fold
 * only the events after it. The demo uses it to measure rehydration; a JVM service can use it as it is.
 *
 * <p>A snapshot never fails a read. When the snapshots table cannot be read, when the snapshot cannot be (corrupt
 * JSON, a state {@code fromJson} rejects), when it belongs to another schema version than the aggregator's, or when
 * the events after it cannot be folded onto it, the read falls back to full replay from the first event; the
 * fallback is counted by reason ({@link #fallbacks()}, and {@code sidecar.reader.fallbacks} once bound to a registry),
 * logged with the stream, version and reason (never the payload), and named in the result. Only the events decide
 * whether a read fails: a failure to read them, or to fold them from the first, propagates.
 *
 * <p>Thread-safe; the counts are shared by every read.
 */
public final class SnapshottingRepository<S> implements MeterBinder {
    private static final Logger LOG = LoggerFactory.getLogger(SnapshottingRepository.class);

    /** Why a read did not start from the latest snapshot. */
    public enum Fallback {
        /** The snapshots table did not answer (its reads refused, the table missing, a timeout on it). */
        SNAPSHOT_UNAVAILABLE,
        /** The snapshot's data is not a state the aggregator reads: corrupt JSON, or refused by {@code fromJson}. */
        UNREADABLE,
        /** The snapshot is of another schema version than the aggregator's. */
        OTHER_SCHEMA,
        /** The events after the snapshot could not be folded onto it; from the first event they could. */
        TAIL_FAILED
    }

    private final SnapshotStore snapshots;
    private final EventReader events;
    private final Aggregator<S> aggregator;
    private final long firstVersion;
    private final Map<Fallback, LongAdder> fallbacks = new EnumMap<>(Fallback.class);

    public SnapshottingRepository(SnapshotStore snapshots, EventReader events, Aggregator<S> aggregator,
                                  long firstVersion) {
        this.snapshots = snapshots;
        this.events = events;
        this.aggregator = aggregator;
        this.firstVersion = firstVersion;
        for (Fallback reason : Fallback.values()) {
            fallbacks.put(reason, new LongAdder());
        }
    }

    /** Counts the fallbacks in {@code sidecar.reader.fallbacks}, tagged by reason and aggregator. */
    @Override
    public void bindTo(MeterRegistry registry) {
        fallbacks.forEach((reason, count) -> io.micrometer.core.instrument.FunctionCounter
                .builder("sidecar.reader.fallbacks", count, LongAdder::sum).tag("reason", reason.name())
                .tag("aggregator", aggregator.name())
                .description("Reads that fell back to full replay because of their latest snapshot")
                .baseUnit("reads").register(registry));
    }

    /** Reads that fell back to full replay since this repository was made, by reason. */
    public Map<Fallback, Long> fallbacks() {
        Map<Fallback, Long> counts = new EnumMap<>(Fallback.class);
        fallbacks.forEach((reason, count) -> counts.put(reason, count.sum()));
        return counts;
    }

    /**
     * The aggregate's state from its latest snapshot and the events after it, or from every event when the snapshot
     * cannot serve (see the class comment); empty when the stream has neither a snapshot nor events. The snapshot
     * and its tail come in one round trip ({@link EventReader#readFromLatestSnapshot}). When that read cannot serve
     * (its statement fails, the snapshot cannot be read or its tail folded, or the events do not follow the snapshot
     * read with them: one saved while the statement ran, on a database that does not read a statement at one
     * moment, or a gap), the stream is read again in two steps, which tell the fallbacks apart and count them.
     */
    public Optional<Loaded<S>> load(String streamId) {
        OneRoundTrip read = new OneRoundTrip();
        long replayed;
        try {
            replayed = events.readFromLatestSnapshot(streamId, aggregator.schemaVersion(), firstVersion,
                    Long.MAX_VALUE, read::snapshot, read::apply);
        } catch (NotFollowing | StoreException e) {
            return loadInTwoSteps(streamId);
        } catch (FoldFailed e) {
            if (read.snapshot == null) {
                throw e.original(); // from the first event: the events' fault, not a snapshot's
            }
            return loadInTwoSteps(streamId);
        }
        if (read.snapshot == null && replayed == 0) {
            return Optional.empty();
        }
        return Optional.of(new Loaded<>(read.folding.state, read.folding.version,
                Optional.ofNullable(read.snapshot).map(StoredSnapshot::version), replayed, Optional.empty()));
    }

    /** A load fed by one statement: the snapshot, if any, then the events after it. */
    private final class OneRoundTrip {
        private StoredSnapshot snapshot;
        private Folding<S> folding;

        void snapshot(StoredSnapshot latest) {
            S state;
            try {
                state = latest.schemaVersion() == aggregator.schemaVersion() ? aggregator.fromJson(latest.data())
                        : null;
            } catch (RuntimeException e) {
                state = null;
            }
            if (state == null) {
                throw new NotFollowing(); // the two steps tell why, and count it
            }
            snapshot = latest;
            folding = new Folding<>(aggregator, state, latest.version());
        }

        void apply(StoredEvent event) {
            if (folding == null) {
                folding = new Folding<>(aggregator, aggregator.initialState(), firstVersion - 1);
            }
            if (event.version() != folding.version + 1) {
                throw new NotFollowing();
            }
            folding.apply(event);
        }
    }

    /** The one-round-trip read cannot serve: read again in two steps. */
    private static final class NotFollowing extends RuntimeException {
        NotFollowing() {
            super(null, null, false, false);
        }
    }

    private Optional<Loaded<S>> loadInTwoSteps(String streamId) {
        Optional<StoredSnapshot> snapshot;
        try {
            snapshot = snapshots.latest(streamId, aggregator.schemaVersion());
        } catch (StoreException e) {
            return fallBack(streamId, -1, Fallback.SNAPSHOT_UNAVAILABLE, e);
        }
        if (snapshot.isEmpty()) {
            return fold(streamId, Optional.empty(), aggregator.initialState(), Long.MAX_VALUE, Optional.empty());
        }
        StoredSnapshot latest = snapshot.get();
        if (latest.schemaVersion() != aggregator.schemaVersion()) {
            return fallBack(streamId, latest.version(), Fallback.OTHER_SCHEMA, null);
        }
        S state;
        try {
            state = aggregator.fromJson(latest.data());
        } catch (RuntimeException e) {
            return fallBack(streamId, latest.version(), Fallback.UNREADABLE, e);
        }
        if (state == null) {
            return fallBack(streamId, latest.version(), Fallback.UNREADABLE, null);
        }
        try {
            return fold(streamId, snapshot, state, Long.MAX_VALUE, Optional.empty());
        } catch (FoldFailed e) {
            return fallBack(streamId, latest.version(), Fallback.TAIL_FAILED, e.getCause());
        }
    }

    /** Folds every event from the first, ignoring snapshots: the baseline, and what {@code verify} compares to. */
    public Optional<Loaded<S>> replay(String streamId) {
        return replay(streamId, Long.MAX_VALUE);
    }

    /** Folds the events from the first up to {@code version}, ignoring snapshots: what a snapshot there must equal. */
    public Optional<Loaded<S>> replay(String streamId, long version) {
        return replay(streamId, version, Optional.empty());
    }

    private Optional<Loaded<S>> replay(String streamId, long version, Optional<Fallback> fallback) {
        try {
            return fold(streamId, Optional.empty(), aggregator.initialState(), version, fallback);
        } catch (FoldFailed e) {
            throw e.original(); // from the first event: the events' fault, not a snapshot's
        }
    }

    private Optional<Loaded<S>> fallBack(String streamId, long snapshotVersion, Fallback reason, Throwable cause) {
        fallbacks.get(reason).increment();
        LOG.warn("reading {} from full replay: its latest snapshot{} {} ({}){}", streamId,
                snapshotVersion < 0 ? "" : " at version " + snapshotVersion, describe(reason), reason,
                cause == null ? "" : ": " + cause.getClass().getSimpleName()); // the type only: messages may quote data
        return replay(streamId, Long.MAX_VALUE, Optional.of(reason));
    }

    private static String describe(Fallback reason) {
        return switch (reason) {
            case SNAPSHOT_UNAVAILABLE -> "could not be read from the snapshots table";
            case UNREADABLE -> "is not a state the aggregator reads";
            case OTHER_SCHEMA -> "is of another schema version";
            case TAIL_FAILED -> "could not take the events after it";
        };
    }

    private Optional<Loaded<S>> fold(String streamId, Optional<StoredSnapshot> snapshot, S state, long upToVersion,
                                     Optional<Fallback> fallback) {
        Folding<S> folding = new Folding<>(aggregator, state,
                snapshot.map(StoredSnapshot::version).orElse(firstVersion - 1));
        long replayed = events.read(streamId, folding.version + 1, upToVersion, folding::apply);
        if (snapshot.isEmpty() && replayed == 0) {
            return Optional.empty();
        }
        return Optional.of(new Loaded<>(folding.state, folding.version, snapshot.map(StoredSnapshot::version),
                replayed, fallback));
    }

    /**
     * @param version         the version of the last event folded in
     * @param snapshotVersion the snapshot the fold started from, if any
     * @param eventsReplayed  events folded after it
     * @param fallback        why the fold started from the first event although a snapshot exists, if it did
     */
    public record Loaded<S>(S state, long version, Optional<Long> snapshotVersion, long eventsReplayed,
                            Optional<Fallback> fallback) {
    }

    /** An aggregator's failure to apply an event, told apart from the event reader's own failures. */
    private static final class FoldFailed extends RuntimeException {
        FoldFailed(RuntimeException cause) {
            super(cause);
        }

        RuntimeException original() {
            return (RuntimeException) getCause();
        }
    }

    private static final class Folding<S> {
        private final Aggregator<S> aggregator;
        private S state;
        private long version;

        Folding(Aggregator<S> aggregator, S state, long version) {
            this.aggregator = aggregator;
            this.state = state;
            this.version = version;
        }

        void apply(StoredEvent event) {
            try {
                state = aggregator.apply(state, event);
            } catch (RuntimeException e) {
                throw new FoldFailed(e);
            }
            version = event.version();
        }
    }
}
