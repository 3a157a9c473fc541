package dev.snapshotsidecar.build;

import dev.snapshotsidecar.fold.StoredEvent;
import dev.snapshotsidecar.store.EventReader;
import dev.snapshotsidecar.store.SnapshotStore;
import dev.snapshotsidecar.store.StoredSnapshot;
import dev.snapshotsidecar.store.TransientStoreException;

import java.sql.SQLTransientConnectionException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** A small in-memory event store for the builder's pure logic; the real dialects pass the contract ITs. */
final class InMemoryStore implements EventReader, SnapshotStore {
    final List<StoredEvent> events = new CopyOnWriteArrayList<>();
    final List<StoredSnapshot> snapshots = new CopyOnWriteArrayList<>();
    final AtomicInteger failuresToInject = new AtomicInteger();
    /** Runs right before a save's fence is checked: what happens to the table while a build folds. */
    volatile Runnable beforeSave = () -> { };

    @Override
    public long read(String streamId, long fromVersion, long toVersion, EventSink sink) {
        maybeFail();
        long count = 0;
        for (StoredEvent e : events.stream().filter(e -> e.streamId().equals(streamId))
                .sorted(Comparator.comparingLong(StoredEvent::version)).toList()) {
            if (e.version() >= fromVersion && e.version() <= toVersion) {
                sink.accept(e);
                count++;
            }
        }
        return count;
    }

    @Override
    public synchronized long readFromLatestSnapshot(String streamId, int schemaVersion, long firstVersion,
                                                    long toVersion, java.util.function.Consumer<StoredSnapshot> snapshot,
                                                    EventSink sink) {
        Optional<StoredSnapshot> latest = latest(streamId, schemaVersion);
        latest.ifPresent(snapshot);
        return read(streamId, latest.map(s -> s.version() + 1).orElse(firstVersion), toVersion, sink);
    }

    @Override
    public java.util.OptionalLong lastVersion(String streamId) {
        maybeFail();
        return events.stream().filter(e -> e.streamId().equals(streamId)).mapToLong(StoredEvent::version).max();
    }

    @Override
    public List<StreamLength> streamLengths(String afterStreamId, int limit) {
        java.util.TreeMap<String, Long> last = new java.util.TreeMap<>();
        events.forEach(e -> last.merge(e.streamId(), e.version(), Math::max));
        return last.tailMap(afterStreamId, false).entrySet().stream().limit(limit)
                .map(e -> new StreamLength(e.getKey(), e.getValue(), Optional.empty())).toList();
    }

    @Override
    public Optional<StoredSnapshot> latest(String streamId, int schemaVersion) {
        maybeFail();
        return snapshots.stream().filter(s -> s.streamId().equals(streamId) && s.schemaVersion() == schemaVersion)
                .max(Comparator.comparingLong(StoredSnapshot::version));
    }

    @Override
    public boolean save(StoredSnapshot snapshot) {
        boolean exists = snapshots.stream().anyMatch(s -> s.streamId().equals(snapshot.streamId())
                && s.version() == snapshot.version());
        if (!exists) {
            snapshots.add(snapshot);
        }
        return !exists;
    }

    @Override
    public List<String> streamIds(String afterStreamId, int limit) {
        return new ArrayList<>(snapshots.stream().map(StoredSnapshot::streamId)
                .filter(id -> id.compareTo(afterStreamId) > 0).distinct().sorted().limit(limit).toList());
    }

    @Override
    public List<StreamVersion> latestVersions(String afterStreamId, int limit) {
        return streamIds(afterStreamId, limit).stream()
                .map(id -> new StreamVersion(id, snapshots.stream().filter(s -> s.streamId().equals(id))
                        .mapToLong(StoredSnapshot::version).max().orElseThrow(), snapshots.stream()
                        .filter(s -> s.streamId().equals(id)).findFirst().orElseThrow().aggregateType())).toList();
    }

    @Override
    public synchronized Saved saveAndPrune(StoredSnapshot snapshot, long eventPosition, int keep) {
        beforeSave.run();
        maybeFail();
        boolean fenced = events.stream().anyMatch(e -> e.streamId().equals(snapshot.streamId())
                && e.version() == snapshot.version() && (eventPosition < 0 || e.position() == eventPosition));
        if (!fenced) {
            return new Saved(Write.EVENT_GONE, 0);
        }
        boolean written = save(snapshot);
        return new Saved(written ? Write.WRITTEN : Write.EXISTED, written ? prune(snapshot.streamId(), keep) : 0);
    }

    @Override
    public synchronized Erased erase(String streamId, long position) {
        maybeFail();
        if (events.stream().anyMatch(e -> e.streamId().equals(streamId) && (position < 0 || e.position() <= position))) {
            long last = events.stream().filter(e -> e.streamId().equals(streamId)).mapToLong(StoredEvent::version)
                    .max().orElseThrow();
            int before = snapshots.size();
            snapshots.removeIf(s -> s.streamId().equals(streamId) && s.version() > last);
            return new Erased(true, before - snapshots.size());
        }
        return new Erased(false, deleteAll(streamId));
    }

    @Override
    public int prune(String streamId, int keep) {
        List<StoredSnapshot> newestFirst = snapshots.stream().filter(s -> s.streamId().equals(streamId))
                .sorted(Comparator.comparingLong(StoredSnapshot::version).reversed()).toList();
        List<StoredSnapshot> old = newestFirst.subList(Math.min(keep, newestFirst.size()), newestFirst.size());
        snapshots.removeAll(old);
        return old.size();
    }

    @Override
    public int deleteAll(String streamId) {
        int before = snapshots.size();
        snapshots.removeIf(s -> s.streamId().equals(streamId));
        return before - snapshots.size();
    }

    @Override
    public List<SnapshotInfo> list(String streamId) {
        return snapshots.stream().filter(s -> s.streamId().equals(streamId))
                .sorted(Comparator.comparingLong(StoredSnapshot::version).reversed()).map(InMemoryStore::info).toList();
    }

    @Override
    public Optional<StoredSnapshot> read(String streamId, long version) {
        return snapshots.stream().filter(s -> s.streamId().equals(streamId) && s.version() == version).findFirst();
    }

    @Override
    public List<SnapshotInfo> ofType(String aggregateType, String afterStreamId, long afterVersion, int limit) {
        return snapshots.stream().filter(s -> s.aggregateType().equals(aggregateType))
                .filter(s -> s.streamId().compareTo(afterStreamId) > 0
                        || (s.streamId().equals(afterStreamId) && s.version() > afterVersion))
                .sorted(Comparator.comparing(StoredSnapshot::streamId).thenComparingLong(StoredSnapshot::version))
                .limit(limit).map(InMemoryStore::info).toList();
    }

    private static SnapshotInfo info(StoredSnapshot s) {
        return new SnapshotInfo(s.streamId(), s.version(), s.schemaVersion(), s.aggregateType(),
                s.data().getBytes(java.nio.charset.StandardCharsets.UTF_8).length, java.time.Instant.EPOCH);
    }

    private void maybeFail() {
        if (failuresToInject.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            throw new TransientStoreException("test", Optional.of("08006"), 0,
                    new SQLTransientConnectionException("connection refused"));
        }
    }
}
