package dev.snapshotsidecar.store;

import dev.snapshotsidecar.fold.StoredEvent;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What every dialect's {@link EventReader} must do; written once, run per database. */
public abstract class EventReaderContract {

    /** Stores over an empty events table of their own, with a fetch size of 7 and a pool of 2. */
    protected abstract DialectStores stores();

    void write(String streamId, int count) {
        List<EventAppender.NewEvent> events = new ArrayList<>();
        for (int v = 0; v < count; v++) {
            events.add(new EventAppender.NewEvent(streamId, v, "E" + v, "{\"n\":" + v + ",\"text\":\"Zoë\"}"));
        }
        stores().appender().append(events);
    }

    List<StoredEvent> read(String streamId, long from, long to) {
        List<StoredEvent> events = new ArrayList<>();
        stores().events().read(streamId, from, to, events::add);
        return events;
    }

    @Test
    @DisplayName("reads one stream's events in version order, within the bounds")
    void range() {
        write("s-1", 30);
        write("s-2", 5);
        List<StoredEvent> events = read("s-1", 10, 19);
        assertThat(events).extracting(StoredEvent::version).containsExactly(10L, 11L, 12L, 13L, 14L, 15L, 16L, 17L,
                18L, 19L);
        assertThat(events).allSatisfy(e -> assertThat(e.streamId()).isEqualTo("s-1"));
        assertThat(events.get(0).eventType()).isEqualTo("E10");
        assertThat(events.get(0).data()).contains("\"n\"", "10", "Zoë");
    }

    @Test
    @DisplayName("a stream longer than the fetch size arrives whole and in order")
    void beyondFetchSize() {
        write("s-3", 100);
        assertThat(read("s-3", 0, Long.MAX_VALUE)).extracting(StoredEvent::version)
                .containsExactlyElementsOf(java.util.stream.LongStream.range(0, 100).boxed().toList());
    }

    /** What {@link EventReader#readFromLatestSnapshot} passed on: the snapshot, if any, then the event versions. */
    record Loaded(java.util.Optional<StoredSnapshot> snapshot, List<Long> versions, long count) {
    }

    Loaded load(String streamId, int schemaVersion, long to) {
        List<StoredSnapshot> snapshots = new ArrayList<>();
        List<Long> versions = new ArrayList<>();
        long count = stores().events().readFromLatestSnapshot(streamId, schemaVersion, 0, to, s -> {
            assertThat(versions).as("the snapshot comes before the events").isEmpty();
            snapshots.add(s);
        }, e -> versions.add(e.version()));
        assertThat(snapshots).hasSizeLessThanOrEqualTo(1);
        return new Loaded(snapshots.stream().findFirst(), versions, count);
    }

    @Test
    @DisplayName("one round trip reads the latest snapshot of the schema version and the events after it")
    void fromLatestSnapshot() {
        write("s-20", 30);
        write("s-21", 3);
        Loaded none = load("s-20", 1, Long.MAX_VALUE);
        assertThat(none.snapshot()).as("no snapshot yet: every event").isEmpty();
        assertThat(none.versions()).hasSize(30).startsWith(0L).endsWith(29L);
        SnapshotStore snapshots = stores().snapshots();
        snapshots.save(new StoredSnapshot("s-20", 9, "t", "{\"at\":9}", 1));
        snapshots.save(new StoredSnapshot("s-20", 19, "t", "{\"at\":19,\"name\":\"Zoë\"}", 1));
        snapshots.save(new StoredSnapshot("s-20", 24, "t", "{\"at\":24}", 2));
        Loaded latest = load("s-20", 1, Long.MAX_VALUE);
        assertThat(latest.snapshot()).contains(new StoredSnapshot("s-20", 19, "t",
                "{\"at\":19,\"name\":\"Zoë\"}", 1));
        assertThat(latest.versions()).containsExactly(20L, 21L, 22L, 23L, 24L, 25L, 26L, 27L, 28L, 29L);
        assertThat(latest.count()).isEqualTo(10);
        assertThat(load("s-20", 2, 26).versions()).as("its own schema version, up to the bound")
                .containsExactly(25L, 26L);
        assertThat(load("s-20", 3, Long.MAX_VALUE).versions()).as("no snapshot of that schema").hasSize(30);
        snapshots.save(new StoredSnapshot("s-20", 29, "t", "{}", 1));
        Loaded atHead = load("s-20", 1, Long.MAX_VALUE);
        assertThat(atHead.snapshot().orElseThrow().version()).isEqualTo(29);
        assertThat(atHead.versions()).as("a tail of 0").isEmpty();
        List<StoredEvent> read = new ArrayList<>();
        stores().events().readFromLatestSnapshot("s-21", 1, 0, Long.MAX_VALUE, s -> { }, read::add);
        assertThat(read).as("events read whole").usingRecursiveFieldByFieldElementComparator()
                .containsExactlyElementsOf(read("s-21", 0, Long.MAX_VALUE));
        assertThat(load("s-none", 1, Long.MAX_VALUE)).isEqualTo(new Loaded(java.util.Optional.empty(), List.of(), 0));
    }

    @Test
    @DisplayName("a repository's load (one round trip) equals full replay, with and without a snapshot, and across a"
            + " gap after the snapshot (read again in two steps)")
    void repositoryLoad() {
        var aggregator = new dev.snapshotsidecar.clinical.PatientAggregator();
        var repository = new SnapshottingRepository<>(stores().snapshots(), stores().events(), aggregator, 0);
        var script = new dev.snapshotsidecar.testkit.ClinicalEvents("patient-30", 0, 7);
        List<EventAppender.NewEvent> events = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            events.add(script.next());
        }
        stores().appender().append(events.subList(0, 40));
        var withoutSnapshot = repository.load("patient-30").orElseThrow();
        assertThat(withoutSnapshot.snapshotVersion()).isEmpty();
        assertThat(withoutSnapshot.eventsReplayed()).isEqualTo(40);
        stores().snapshots().save(new StoredSnapshot("patient-30", 29, "patient", aggregator.toJson(
                repository.replay("patient-30", 29).orElseThrow().state()), aggregator.schemaVersion()));
        stores().appender().append(events.subList(40, 60));
        var loaded = repository.load("patient-30").orElseThrow();
        assertThat(loaded.snapshotVersion()).contains(29L);
        assertThat(loaded.eventsReplayed()).isEqualTo(30);
        assertThat(loaded.version()).isEqualTo(59);
        assertThat(aggregator.toJson(loaded.state()))
                .isEqualTo(aggregator.toJson(repository.replay("patient-30").orElseThrow().state()));

        var gapScript = new dev.snapshotsidecar.testkit.ClinicalEvents("patient-31", 0, 8);
        List<EventAppender.NewEvent> gapped = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            EventAppender.NewEvent e = gapScript.next();
            if (i != 12) { // version 12 archived away: the events do not follow the snapshot at 10
                gapped.add(e);
            }
        }
        stores().appender().append(gapped);
        stores().snapshots().save(new StoredSnapshot("patient-31", 10, "patient", aggregator.toJson(
                repository.replay("patient-31", 10).orElseThrow().state()), aggregator.schemaVersion()));
        var acrossGap = repository.load("patient-31").orElseThrow();
        assertThat(acrossGap.snapshotVersion()).contains(10L);
        assertThat(acrossGap.version()).isEqualTo(19);
        assertThat(acrossGap.eventsReplayed()).as("11 and 13..19, as a two-step read folds them").isEqualTo(8);
        assertThat(repository.load("patient-none")).isEmpty();
    }

    @Test
    @DisplayName("an empty range reads nothing")
    void empty() {
        assertThat(stores().events().read("s-none", 0, 100, e -> { })).isZero();
    }

    @Test
    @DisplayName("an exception in the sink propagates and the connection goes back to the pool")
    void sinkFailure() {
        write("s-4", 20);
        for (int i = 0; i < 5; i++) {
            assertThatThrownBy(() -> stores().events().read("s-4", 0, 19, e -> {
                throw new IllegalStateException("fold failed");
            })).isInstanceOf(IllegalStateException.class).hasMessage("fold failed");
        }
        assertThat(read("s-4", 0, 19)).hasSize(20);
    }

    @Test
    @DisplayName("stream ends come in keyset pages of the last event of each stream, in id order, every one once")
    void streamEnds() {
        write("e-1", 3);
        write("e-2", 12);
        write("e-3", 1);
        write("e-4", 7);
        List<EventReader.StreamEnd> first = stores().events().streamEnds("e-", 3);
        assertThat(first).extracting(EventReader.StreamEnd::streamId).containsExactly("e-1", "e-2", "e-3");
        assertThat(first).extracting(EventReader.StreamEnd::lastVersion).containsExactly(2L, 11L, 0L);
        assertThat(first.get(1).lastEventType()).isEqualTo("E11");
        assertThat(first.get(1).lastPosition()).as("the position of its last row")
                .isEqualTo(read("e-2", 11, 11).get(0).position());
        assertThat(first.get(1).lastEventAt()).isEqualTo(read("e-2", 11, 11).get(0).createdAt());
        List<EventReader.StreamEnd> next = stores().events().streamEnds("e-3", 3);
        assertThat(next).extracting(EventReader.StreamEnd::streamId).contains("e-4").doesNotContain("e-1", "e-3");
        assertThat(next.get(0).lastVersion()).isEqualTo(6);
    }

    @Test
    @DisplayName("appending a version that exists fails and writes nothing of its batch")
    void optimisticConcurrency() {
        write("s-5", 3);
        assertThatThrownBy(() -> stores().appender().append(List.of(
                new EventAppender.NewEvent("s-5", 3, "E3", "{}"),
                new EventAppender.NewEvent("s-5", 2, "E2", "{}")))).isInstanceOf(PermanentStoreException.class);
        assertThat(read("s-5", 0, 10)).hasSize(3);
    }
}
