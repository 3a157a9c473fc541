package dev.snapshotsidecar.build;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.snapshotsidecar.fold.Fold;
import dev.snapshotsidecar.fold.FoldException;
import dev.snapshotsidecar.fold.FoldUnavailableException;
import dev.snapshotsidecar.store.EventReader;
import dev.snapshotsidecar.store.SnapshotStore;
import dev.snapshotsidecar.store.StoredSnapshot;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Checks guarantee 1 for every fold kind: the latest snapshot of a stream equals the fold of its events first..V read
 * from the database, by the type's fold. Also compares two folds of the same streams ({@link #compare}), how a team
 * moving a type from one kind to another shows that they agree. States are compared as JSON trees, so formatting and
 * key order do not matter and every value does; a difference is reported by its JSON path, never its values.
 * Thread-safe.
 */
public final class SnapshotVerifier {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final SnapshotStore snapshots;
    private final EventReader events;
    private final Folds folds;
    private final long firstVersion;

    public SnapshotVerifier(SnapshotStore snapshots, EventReader events, Folds folds, long firstVersion) {
        this.snapshots = snapshots;
        this.events = events;
        this.folds = folds;
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
            Optional<Fold> fold = folds.forType(stream.getValue());
            if (fold.isEmpty()) {
                mismatches.add(new Mismatch(stream.getKey(), -1, "no fold for type " + stream.getValue()));
                continue;
            }
            Optional<StoredSnapshot> snapshot;
            try {
                snapshot = snapshots.latest(stream.getKey(), fold.get().schemaVersion());
            } catch (FoldUnavailableException e) {
                checked++;
                mismatches.add(new Mismatch(stream.getKey(), -1, "cannot verify: " + e.getMessage()));
                continue;
            }
            if (snapshot.isEmpty()) {
                continue;
            }
            checked++;
            verify(snapshot.get(), fold.get()).ifPresent(mismatches::add);
        }
        return new Report(checked, mismatches);
    }

    private Optional<Mismatch> verify(StoredSnapshot snapshot, Fold fold) {
        String streamId = snapshot.streamId();
        long version = snapshot.version();
        Optional<Mismatch> unreadable = unreadable(snapshot, fold);
        if (unreadable.isPresent()) {
            return unreadable;
        }
        FoldReplay.Replayed replayed;
        try {
            replayed = FoldReplay.fromFirst(fold, events, streamId, firstVersion, version);
        } catch (FoldException | FoldUnavailableException e) {
            return Optional.of(new Mismatch(streamId, version, "full replay failed: " + e.getMessage()));
        } catch (RuntimeException e) {
            return Optional.of(new Mismatch(streamId, version, "full replay failed: " + e.getClass().getSimpleName()));
        }
        if (replayed.version() != version || replayed.state().isEmpty()) {
            return Optional.of(new Mismatch(streamId, version, "events end at version " + replayed.version()));
        }
        Optional<JsonNode> actual = tree(snapshot.data());
        if (actual.isEmpty()) {
            return Optional.of(new Mismatch(streamId, version, "snapshot_data is not JSON"));
        }
        Optional<JsonNode> expected = tree(replayed.state().get().json());
        return expected.isPresent() && expected.get().equals(actual.get()) ? Optional.empty()
                : Optional.of(new Mismatch(streamId, version, "snapshot differs from full replay"
                + expected.map(e -> " at " + firstDifference(e, actual.get(), "$")).orElse("")));
    }

    /** Whether readers cannot start from the snapshot at all (they then fall back to full replay). */
    private static Optional<Mismatch> unreadable(StoredSnapshot snapshot, Fold fold) {
        String streamId = snapshot.streamId();
        long version = snapshot.version();
        try {
            if (fold instanceof dev.snapshotsidecar.fold.AggregatorFold<?> java
                    && java.aggregator().fromJson(snapshot.data()) == null) {
                return Optional.of(new Mismatch(streamId, version, "fromJson reads no state from it; readers fall"
                        + " back to full replay", Kind.UNREADABLE));
            }
            fold.start(streamId, Optional.of(new dev.snapshotsidecar.fold.FoldState(version, snapshot.schemaVersion(),
                    snapshot.data())), version);
            return Optional.empty();
        } catch (FoldUnavailableException e) {
            return Optional.empty(); // cannot tell now: the replay below says so
        } catch (RuntimeException e) {
            // the exception's type only: its message may quote the snapshot
            String reader = fold instanceof dev.snapshotsidecar.fold.AggregatorFold<?> java ? java.aggregator().name()
                    : fold.description();
            return Optional.of(new Mismatch(streamId, version, reader + " cannot read it ("
                    + e.getClass().getSimpleName() + "); readers fall back to full replay", Kind.UNREADABLE));
        }
    }

    /**
     * Folds each stream's events, from the first to its last, with this verifier's folds and with {@code other}'s,
     * and lists every stream where the two states differ or one fold fails.
     *
     * @param streamTypes stream id to aggregate type; types without a fold on both sides are skipped
     */
    public Report compare(Map<String, String> streamTypes, Folds other) {
        int checked = 0;
        List<Mismatch> mismatches = new ArrayList<>();
        for (Map.Entry<String, String> stream : streamTypes.entrySet()) {
            Optional<Fold> mine = folds.forType(stream.getValue());
            Optional<Fold> theirs = other.forType(stream.getValue());
            if (mine.isEmpty() || theirs.isEmpty()) {
                continue;
            }
            String id = stream.getKey();
            long last = events.lastVersion(id).orElse(firstVersion - 1);
            if (last < firstVersion) {
                continue;
            }
            checked++;
            Folded a = fold(mine.get(), id, last);
            Folded b = fold(theirs.get(), id, last);
            String as = mine.get().kind().configName() + " (" + mine.get().description() + ")";
            String bs = theirs.get().kind().configName() + " (" + theirs.get().description() + ")";
            if (a.problem().isPresent() || b.problem().isPresent()) {
                mismatches.add(new Mismatch(id, last, a.problem().map(p -> as + " failed: " + p).orElse("")
                        + (a.problem().isPresent() && b.problem().isPresent() ? "; " : "")
                        + b.problem().map(p -> bs + " failed: " + p).orElse("")));
            } else if (!a.tree().equals(b.tree())) {
                mismatches.add(new Mismatch(id, last, as + " and " + bs + " disagree at "
                        + firstDifference(a.tree(), b.tree(), "$")));
            }
        }
        return new Report(checked, mismatches);
    }

    private record Folded(JsonNode tree, Optional<String> problem) {
    }

    private Folded fold(Fold fold, String streamId, long upTo) {
        try {
            FoldReplay.Replayed replayed = FoldReplay.fromFirst(fold, events, streamId, firstVersion, upTo);
            if (replayed.state().isEmpty() || replayed.version() != upTo) {
                return new Folded(JSON.nullNode(), Optional.of("events end at version " + replayed.version()));
            }
            return tree(replayed.state().get().json()).map(t -> new Folded(t, Optional.<String>empty()))
                    .orElseGet(() -> new Folded(JSON.nullNode(), Optional.of("its state is not JSON")));
        } catch (FoldException | FoldUnavailableException e) {
            return new Folded(JSON.nullNode(), Optional.of(e.getMessage()));
        }
    }

    private static Optional<JsonNode> tree(String json) {
        try {
            return Optional.ofNullable(JSON.readTree(json));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** The JSON path of the first place two trees differ; never their values (they may hold patient data). */
    static String firstDifference(JsonNode a, JsonNode b, String path) {
        if (a.getNodeType() != b.getNodeType()) {
            return path + " (" + a.getNodeType().name().toLowerCase() + " against "
                    + b.getNodeType().name().toLowerCase() + ")";
        }
        if (a.isObject()) {
            for (Iterator<String> names = a.fieldNames(); names.hasNext(); ) {
                String name = names.next();
                if (!b.has(name)) {
                    return path + "." + name + " (missing on one side)";
                }
                if (!a.get(name).equals(b.get(name))) {
                    return firstDifference(a.get(name), b.get(name), path + "." + name);
                }
            }
            for (Iterator<String> names = b.fieldNames(); names.hasNext(); ) {
                String name = names.next();
                if (!a.has(name)) {
                    return path + "." + name + " (missing on one side)";
                }
            }
        }
        if (a.isArray()) {
            if (a.size() != b.size()) {
                return path + " (" + a.size() + " items against " + b.size() + ")";
            }
            for (int i = 0; i < a.size(); i++) {
                if (!a.get(i).equals(b.get(i))) {
                    return firstDifference(a.get(i), b.get(i), path + "[" + i + "]");
                }
            }
        }
        return path;
    }
}
