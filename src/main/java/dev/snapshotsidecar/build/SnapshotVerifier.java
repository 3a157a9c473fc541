package dev.snapshotsidecar.build;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.snapshotsidecar.fold.Aggregator;
import dev.snapshotsidecar.fold.AggregatorRegistry;
import dev.snapshotsidecar.store.EventReader;
import dev.snapshotsidecar.store.SnapshotStore;
import dev.snapshotsidecar.store.SnapshottingRepository;
import dev.snapshotsidecar.store.StoredSnapshot;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Checks guarantee 1: the latest snapshot of a stream equals the fold of its events first..V read from the
 * database. States are compared as JSON trees, so formatting does not matter and every value does. Thread-safe.
 */
public final class SnapshotVerifier {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final SnapshotStore snapshots;
    private final EventReader events;
    private final AggregatorRegistry aggregators;
    private final Map<String, String> aggregatorByType;
    private final long firstVersion;

    public SnapshotVerifier(SnapshotStore snapshots, EventReader events, AggregatorRegistry aggregators,
                            Map<String, String> aggregatorByType, long firstVersion) {
        this.snapshots = snapshots;
        this.events = events;
        this.aggregators = aggregators;
        this.aggregatorByType = Map.copyOf(aggregatorByType);
        this.firstVersion = firstVersion;
    }

    /**
     * One stream whose latest snapshot is not what full replay gives: it differs (or the events do not reach it), or
     * readers cannot read it at all and fall back to full replay.
     */
    public record Mismatch(String streamId, long version, String reason, Kind kind) {
        /** A snapshot that differs from full replay (or that the events do not reach). */
        public Mismatch(String streamId, long version, String reason) {
            this(streamId, version, reason, Kind.DIFFERS);
        }
    }

    /** What is wrong with a snapshot. */
    public enum Kind {
        /** It is not the fold of the events up to its version. */
        DIFFERS,
        /** Readers cannot read it (corrupt JSON, a state {@code fromJson} rejects): they fall back to full replay. */
        UNREADABLE
    }

    /** What a verification found. */
    public record Report(int checked, List<Mismatch> mismatches) {
        public Report {
            mismatches = List.copyOf(mismatches);
        }
    }

    /**
     * Verifies the latest snapshot of each stream (streams with none are skipped and not counted).
     *
     * @param streamTypes stream id to aggregate type
     */
    public Report verify(Map<String, String> streamTypes) {
        int checked = 0;
        List<Mismatch> mismatches = new ArrayList<>();
        for (Map.Entry<String, String> stream : streamTypes.entrySet()) {
            Optional<Aggregator<?>> aggregator = Optional.ofNullable(aggregatorByType.get(stream.getValue()))
                    .flatMap(aggregators::find);
            if (aggregator.isEmpty()) {
                mismatches.add(new Mismatch(stream.getKey(), -1, "no aggregator for type " + stream.getValue()));
                continue;
            }
            Optional<Mismatch> mismatch = verify(stream.getKey(), aggregator.get());
            if (mismatch.isPresent() && mismatch.get().version() == Long.MIN_VALUE) {
                continue; // no snapshot yet
            }
            checked++;
            mismatch.ifPresent(mismatches::add);
        }
        return new Report(checked, mismatches);
    }

    private <S> Optional<Mismatch> verify(String streamId, Aggregator<S> aggregator) {
        Optional<StoredSnapshot> snapshot = snapshots.latest(streamId, aggregator.schemaVersion());
        if (snapshot.isEmpty()) {
            return Optional.of(new Mismatch(streamId, Long.MIN_VALUE, "no snapshot"));
        }
        long version = snapshot.get().version();
        try {
            if (aggregator.fromJson(snapshot.get().data()) == null) {
                return Optional.of(new Mismatch(streamId, version, "fromJson reads no state from it; readers fall"
                        + " back to full replay", Kind.UNREADABLE));
            }
        } catch (RuntimeException e) {
            // the exception's type only: its message may quote the snapshot
            return Optional.of(new Mismatch(streamId, version, aggregator.name() + " cannot read it ("
                    + e.getClass().getSimpleName() + "); readers fall back to full replay", Kind.UNREADABLE));
        }
        S state;
        try {
            Optional<SnapshottingRepository.Loaded<S>> replayed = new SnapshottingRepository<>(snapshots, events,
                    aggregator, firstVersion).replay(streamId, version);
            if (replayed.isEmpty() || replayed.get().version() != version) {
                return Optional.of(new Mismatch(streamId, version, "events end at version "
                        + replayed.map(SnapshottingRepository.Loaded::version).orElse(firstVersion - 1)));
            }
            state = replayed.get().state();
        } catch (RuntimeException e) {
            return Optional.of(new Mismatch(streamId, version, "full replay failed: " + e.getClass().getSimpleName()));
        }
        try {
            JsonNode expected = JSON.readTree(aggregator.toJson(state));
            JsonNode actual = JSON.readTree(snapshot.get().data());
            return expected.equals(actual) ? Optional.empty()
                    : Optional.of(new Mismatch(streamId, version, "snapshot differs from full replay"));
        } catch (IOException e) {
            return Optional.of(new Mismatch(streamId, version, "snapshot_data is not JSON"));
        }
    }
}
