package dev.snapshotsidecar.build;

import dev.snapshotsidecar.clinical.PatientAggregator;
import dev.snapshotsidecar.fold.AggregatorFold;
import dev.snapshotsidecar.fold.Fold;
import dev.snapshotsidecar.fold.FoldKind;
import dev.snapshotsidecar.fold.FoldState;
import dev.snapshotsidecar.store.StoredSnapshot;
import dev.snapshotsidecar.testing.Poll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.IntConsumer;

import static org.assertj.core.api.Assertions.assertThat;

class SchemaWatchTest {
    final InMemoryStore store = new InMemoryStore();
    final List<String> rebuilds = new CopyOnWriteArrayList<>();

    /** A fold at a schema version the test sets, telling its watchers when it changes, as an HTTP fold does. */
    static final class VersionedFold implements Fold {
        volatile int version;
        final List<IntConsumer> watchers = new CopyOnWriteArrayList<>();

        VersionedFold(int version) {
            this.version = version;
        }

        void deploy(int newVersion) {
            version = newVersion;
            watchers.forEach(w -> w.accept(newVersion));
        }

        @Override
        public FoldKind kind() {
            return FoldKind.HTTP;
        }

        @Override
        public String description() {
            return "test fold";
        }

        @Override
        public int schemaVersion() {
            return version;
        }

        @Override
        public void watchSchemaVersion(IntConsumer listener) {
            watchers.add(listener);
        }

        @Override
        public Run start(String streamId, Optional<FoldState> from, long firstVersion) {
            throw new UnsupportedOperationException();
        }
    }

    @Test
    @DisplayName("at start-up, a type whose newest snapshots are of another schema version than its fold's is rebuilt; one up to date is not")
    void staleAtStartUp() {
        store.snapshots.add(new StoredSnapshot("patient-1", 99, "patient", "{}", 1));
        store.snapshots.add(new StoredSnapshot("patient-2", 49, "patient", "{}", 1));
        store.snapshots.add(new StoredSnapshot("patient-2", 99, "patient", "{}", 2));
        store.snapshots.add(new StoredSnapshot("order-1", 99, "order", "{}", 1));
        Folds folds = Folds.of(Map.of("patient", new VersionedFold(2),
                "order", new AggregatorFold<>(new PatientAggregator())));
        try (SchemaWatch watch = new SchemaWatch(folds, store, rebuilds::add)) {
            assertThat(watch.staleStream("patient", 2)).contains("patient-1");
            assertThat(watch.staleStream("order", 1)).isEmpty();
            watch.start();
            Poll.until("the stale type's rebuild is asked for", Duration.ofSeconds(10), () -> !rebuilds.isEmpty(),
                    rebuilds::toString);
        }
        assertThat(rebuilds).containsExactly("patient");
    }

    @Test
    @DisplayName("a new schema version described while running starts that type's rebuild")
    void changedWhileRunning() {
        VersionedFold fold = new VersionedFold(1);
        try (SchemaWatch watch = new SchemaWatch(Folds.of(Map.of("prescription", fold)), store, rebuilds::add)) {
            watch.start();
            fold.deploy(2);
        }
        assertThat(rebuilds).containsExactly("prescription");
    }
}
