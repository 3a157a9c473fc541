package dev.snapshotsidecar.store;

import dev.snapshotsidecar.fold.Aggregator;
import dev.snapshotsidecar.fold.StoredEvent;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The reader's fallback to full replay, on an event store in memory and an aggregator that counts events. */
class SnapshottingRepositoryTest {
    /** Counts events; an event of type "Poison" cannot be applied, nor can any event onto a negative state. */
    static final Aggregator<Integer> COUNT = new Aggregator<>() {
        @Override
        public String name() {
            return "count";
        }

        @Override
        public Integer initialState() {
            return 0;
        }

        @Override
        public Integer apply(Integer state, StoredEvent event) {
            if (state < 0 || event.eventType().equals("Poison")) {
                throw new IllegalStateException("cannot apply " + event.eventType() + " to " + state);
            }
            return state + 1;
        }

        @Override
        public int schemaVersion() {
            return 2;
        }

        @Override
        public String toJson(Integer state) {
            return Integer.toString(state);
        }

        @Override
        public Integer fromJson(String json) {
            return Integer.valueOf(json.trim());
        }
    };

    final List<StoredEvent> events = new ArrayList<>();
    /** What {@code latest} answers: a row, none, or a failure of the snapshots table. */
    Optional<StoredSnapshot> latest = Optional.empty();
    boolean snapshotsFail;

    final EventReader reader = new EventReader() {
        @Override
        public long read(String streamId, long fromVersion, long toVersion, EventSink sink) {
            long n = 0;
            for (StoredEvent e : events) {
                if (e.version() >= fromVersion && e.version() <= toVersion) {
                    sink.accept(e);
                    n++;
                }
            }
            return n;
        }

        /** As one statement over both tables: it fails with the snapshots table; passes on what latest holds. */
        @Override
        public long readFromLatestSnapshot(String streamId, int schemaVersion, long firstVersion, long toVersion,
                                           java.util.function.Consumer<StoredSnapshot> snapshot, EventSink sink) {
            if (snapshotsFail) {
                throw new PermanentStoreException("loading s", Optional.of("42501"), 0,
                        new SQLException("permission denied for table snapshots"));
            }
            latest.ifPresent(snapshot);
            return read(streamId, latest.map(s -> s.version() + 1).orElse(firstVersion), toVersion, sink);
        }

        @Override
        public OptionalLong lastVersion(String streamId) {
            return events.isEmpty() ? OptionalLong.empty() : OptionalLong.of(events.size() - 1);
        }

        @Override
        public List<StreamLength> streamLengths(String afterStreamId, int limit) {
            return List.of();
        }
    };

    final SnapshotStore snapshots = (SnapshotStore) java.lang.reflect.Proxy.newProxyInstance(
            SnapshotStore.class.getClassLoader(), new Class<?>[]{SnapshotStore.class}, (proxy, method, args) -> {
                if (!method.getName().equals("latest")) {
                    throw new UnsupportedOperationException(method.getName() + " is not read by a repository");
                }
                if (snapshotsFail) {
                    throw new PermanentStoreException("loading the latest snapshot of s", Optional.of("42501"), 0,
                            new SQLException("permission denied for table snapshots"));
                }
                return latest;
            });

    final SnapshottingRepository<Integer> repository = new SnapshottingRepository<>(snapshots, reader, COUNT, 0);

    void write(int count, String... typeOfVersion) {
        for (int v = 0; v < count; v++) {
            String type = v < typeOfVersion.length ? typeOfVersion[v] : "Counted";
            events.add(new StoredEvent("s", v, type, "{}", Optional.empty(), Instant.EPOCH, v + 1));
        }
    }

    void snapshot(long version, String data, int schemaVersion) {
        latest = Optional.of(new StoredSnapshot("s", version, "count", data, schemaVersion));
    }

    @Test
    @DisplayName("a readable snapshot is the start: only the events after it are folded")
    void fromSnapshot() {
        write(10);
        snapshot(6, "7", 2);
        SnapshottingRepository.Loaded<Integer> loaded = repository.load("s").orElseThrow();
        assertThat(loaded.state()).isEqualTo(10);
        assertThat(loaded.snapshotVersion()).contains(6L);
        assertThat(loaded.eventsReplayed()).isEqualTo(3);
        assertThat(loaded.fallback()).isEmpty();
        assertThat(repository.fallbacks().values()).allMatch(n -> n == 0);
    }

    @Test
    @DisplayName("corrupt JSON, or a state fromJson rejects, falls back to full replay, counted and named")
    void unreadable() {
        write(10);
        snapshot(6, "{\"count\":", 2);
        SnapshottingRepository.Loaded<Integer> loaded = repository.load("s").orElseThrow();
        assertThat(loaded.state()).isEqualTo(10);
        assertThat(loaded.snapshotVersion()).isEmpty();
        assertThat(loaded.eventsReplayed()).isEqualTo(10);
        assertThat(loaded.fallback()).contains(SnapshottingRepository.Fallback.UNREADABLE);
        snapshot(6, "\"seven\"", 2);
        assertThat(repository.load("s").orElseThrow().state()).isEqualTo(10);
        assertThat(repository.fallbacks()).containsEntry(SnapshottingRepository.Fallback.UNREADABLE, 2L);
    }

    @Test
    @DisplayName("a snapshot of another schema version is never used")
    void otherSchema() {
        write(10);
        snapshot(6, "700", 1);
        SnapshottingRepository.Loaded<Integer> loaded = repository.load("s").orElseThrow();
        assertThat(loaded.state()).isEqualTo(10);
        assertThat(loaded.fallback()).contains(SnapshottingRepository.Fallback.OTHER_SCHEMA);
    }

    @Test
    @DisplayName("a snapshots table that cannot be read does not fail the read")
    void snapshotsUnavailable() {
        write(4);
        snapshotsFail = true;
        assertThat(repository.load("s").orElseThrow().state()).isEqualTo(4);
        assertThat(repository.fallbacks()).containsEntry(SnapshottingRepository.Fallback.SNAPSHOT_UNAVAILABLE, 1L);
    }

    @Test
    @DisplayName("events that cannot be folded onto the snapshot are folded from the first; the snapshot was wrong")
    void tailFailed() {
        write(10);
        snapshot(6, "-1", 2); // a state no event can be applied to
        SnapshottingRepository.Loaded<Integer> loaded = repository.load("s").orElseThrow();
        assertThat(loaded.state()).isEqualTo(10);
        assertThat(loaded.fallback()).contains(SnapshottingRepository.Fallback.TAIL_FAILED);
    }

    @Test
    @DisplayName("when the events themselves cannot be folded, the read fails with the aggregator's own exception")
    void eventsDecide() {
        write(10, "Counted", "Counted", "Counted", "Counted", "Counted", "Counted", "Counted", "Poison");
        snapshot(6, "7", 2);
        assertThatThrownBy(() -> repository.load("s")).isInstanceOf(IllegalStateException.class)
                .hasMessage("cannot apply Poison to 7");
        assertThatThrownBy(() -> repository.replay("s")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    @DisplayName("fallbacks are counted in sidecar.reader.fallbacks by reason")
    void meters() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        repository.bindTo(registry);
        write(3);
        snapshot(1, "not a number", 2);
        repository.load("s");
        assertThat(registry.get("sidecar.reader.fallbacks").tag("reason", "UNREADABLE").tag("aggregator", "count")
                .functionCounter().count()).isEqualTo(1);
        assertThat(registry.get("sidecar.reader.fallbacks").tag("reason", "TAIL_FAILED").functionCounter().count())
                .isZero();
    }
}
