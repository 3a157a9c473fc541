package dev.snapshotsidecar.store;

import dev.snapshotsidecar.fold.Aggregator;

import java.util.Optional;

/**
 * What a service's repository does to read an aggregate: load the latest snapshot of its schema version, then fold
 * only the events after it. The demo uses it to measure rehydration; a JVM service can use it as it is. Thread-safe.
 */
public final class SnapshottingRepository<S> {
    private final SnapshotStore snapshots;
    private final EventReader events;
    private final Aggregator<S> aggregator;
    private final long firstVersion;

    public SnapshottingRepository(SnapshotStore snapshots, EventReader events, Aggregator<S> aggregator,
                                  long firstVersion) {
        this.snapshots = snapshots;
        this.events = events;
        this.aggregator = aggregator;
        this.firstVersion = firstVersion;
    }

    /**
     * The aggregate's state, or empty when the stream has neither a snapshot nor events: the latest snapshot of the
     * aggregator's schema version and the events after it, read in one round trip
     * ({@link EventReader#readFromLatestSnapshot}). Should those events not follow that snapshot (a snapshot saved
     * while the statement ran, on a database that does not read a statement at one moment, or a gap in the table),
     * it reads again in two steps.
     */
    public Optional<Loaded<S>> load(String streamId) {
        Folding<S> folding = new Folding<>(aggregator, null, firstVersion - 1);
        StoredSnapshot[] snapshot = {null};
        try {
            long replayed = events.readFromLatestSnapshot(streamId, aggregator.schemaVersion(), firstVersion,
                    Long.MAX_VALUE, s -> {
                        snapshot[0] = s;
                        folding.state = aggregator.fromJson(s.data());
                        folding.version = s.version();
                    }, event -> {
                        if (event.version() != folding.version + 1) {
                            throw new NotFollowing();
                        }
                        if (folding.state == null) {
                            folding.state = aggregator.initialState();
                        }
                        folding.apply(event);
                    });
            if (snapshot[0] == null && replayed == 0) {
                return Optional.empty();
            }
            return Optional.of(new Loaded<>(folding.state, folding.version,
                    Optional.ofNullable(snapshot[0]).map(StoredSnapshot::version), replayed));
        } catch (NotFollowing e) {
            return load(streamId, true);
        }
    }

    /** The events read do not follow the snapshot read with them. */
    private static final class NotFollowing extends RuntimeException {
        NotFollowing() {
            super(null, null, false, false);
        }
    }

    /** Folds every event from the first, ignoring snapshots: the baseline, and what {@code verify} compares to. */
    public Optional<Loaded<S>> replay(String streamId) {
        return load(streamId, false, Long.MAX_VALUE);
    }

    /** Folds the events from the first up to {@code version}, ignoring snapshots: what a snapshot there must equal. */
    public Optional<Loaded<S>> replay(String streamId, long version) {
        return load(streamId, false, version);
    }

    private Optional<Loaded<S>> load(String streamId, boolean useSnapshot) {
        return load(streamId, useSnapshot, Long.MAX_VALUE);
    }

    private Optional<Loaded<S>> load(String streamId, boolean useSnapshot, long upToVersion) {
        Optional<StoredSnapshot> snapshot = useSnapshot
                ? snapshots.latest(streamId, aggregator.schemaVersion()) : Optional.empty();
        Folding<S> folding = new Folding<>(aggregator, snapshot.map(s -> aggregator.fromJson(s.data()))
                .orElseGet(aggregator::initialState), snapshot.map(StoredSnapshot::version).orElse(firstVersion - 1));
        long replayed = events.read(streamId, folding.version + 1, upToVersion, folding::apply);
        if (snapshot.isEmpty() && replayed == 0) {
            return Optional.empty();
        }
        return Optional.of(new Loaded<>(folding.state, folding.version, snapshot.map(StoredSnapshot::version), replayed));
    }

    /**
     * @param version         the version of the last event folded in
     * @param snapshotVersion the snapshot the fold started from, if any
     * @param eventsReplayed  events folded after it
     */
    public record Loaded<S>(S state, long version, Optional<Long> snapshotVersion, long eventsReplayed) {
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

        void apply(dev.snapshotsidecar.fold.StoredEvent event) {
            state = aggregator.apply(state, event);
            version = event.version();
        }
    }
}
