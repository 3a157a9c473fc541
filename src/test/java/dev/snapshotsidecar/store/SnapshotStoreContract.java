package dev.snapshotsidecar.store;

import dev.snapshotsidecar.request.SnapshotRequest;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/** What every dialect's {@link SnapshotStore} must do; written once, run per database. */
public abstract class SnapshotStoreContract {

    /** A store over an empty snapshots table of its own. */
    protected abstract DialectStores stores();

    /** Appends events 0..{@code last} of the stream, as a service would. */
    protected void events(String streamId, long last) {
        List<EventAppender.NewEvent> events = new ArrayList<>();
        for (long v = 0; v <= last; v++) {
            events.add(new EventAppender.NewEvent(streamId, v, "E", "{\"n\":" + v + "}"));
        }
        stores().appender().append(events);
    }

    /** The global position of the stream's event at {@code version}. */
    protected long position(String streamId, long version) {
        List<Long> positions = new ArrayList<>();
        stores().events().read(streamId, version, version, e -> positions.add(e.position()));
        return positions.get(0);
    }

    static SnapshotStore.Saved saved(int pruned) {
        return new SnapshotStore.Saved(SnapshotStore.Write.WRITTEN, pruned);
    }

    static StoredSnapshot snapshot(String streamId, long version, int schema) {
        return new StoredSnapshot(streamId, version, "patient", "{\"version\":" + version + ",\"name\":\"Zoë\"}", schema);
    }

    @Test
    @DisplayName("a saved snapshot is the latest, read back exactly, unicode included")
    void saveAndLoad() {
        SnapshotStore store = stores().snapshots();
        assertThat(store.save(snapshot("patient-1", 49, 1))).isTrue();
        assertThat(store.latest("patient-1", 1)).contains(snapshot("patient-1", 49, 1));
        assertThat(store.latest("patient-2", 1)).isEmpty();
    }

    @Test
    @DisplayName("an operator's views: a stream's snapshots newest first with their size and time, one read whole,"
            + " and a type's in keyset pages")
    void inventory() {
        SnapshotStore store = stores().snapshots();
        java.time.Instant before = java.time.Instant.now().minusSeconds(60);
        store.save(snapshot("patient-i1", 49, 1));
        store.save(snapshot("patient-i1", 99, 2));
        store.save(snapshot("patient-i2", 9, 1));
        store.save(new StoredSnapshot("prescription-i3", 5, "prescription", "{}", 1));
        List<SnapshotStore.SnapshotInfo> listed = store.list("patient-i1");
        assertThat(listed).extracting(SnapshotStore.SnapshotInfo::version).containsExactly(99L, 49L);
        assertThat(listed.get(0).schemaVersion()).isEqualTo(2);
        assertThat(listed.get(0).aggregateType()).isEqualTo("patient");
        // {"version":99,"name":"Zoë"}: 27 characters, 28 bytes in UTF-8 (ë takes two); NVARCHAR stores two a character
        assertThat(listed.get(0).bytes()).isIn(28L, 54L);
        assertThat(listed.get(0).createdAt()).isAfter(before).isBefore(java.time.Instant.now().plusSeconds(60));
        assertThat(store.list("patient-none")).isEmpty();

        assertThat(store.read("patient-i1", 49)).contains(snapshot("patient-i1", 49, 1));
        assertThat(store.read("patient-i1", 50)).isEmpty();

        List<SnapshotStore.SnapshotInfo> first = store.ofType("patient", "", -1, 2);
        assertThat(first).extracting(i -> i.streamId() + "@" + i.version())
                .containsExactly("patient-i1@49", "patient-i1@99");
        List<SnapshotStore.SnapshotInfo> next = store.ofType("patient", "patient-i1", 99, 2);
        assertThat(next).extracting(i -> i.streamId() + "@" + i.version()).containsExactly("patient-i2@9");
        assertThat(store.ofType("prescription", "", -1, 10)).hasSize(1);
    }

    @Test
    @DisplayName("saving the same stream and version again writes nothing and says so")
    void idempotent() {
        SnapshotStore store = stores().snapshots();
        assertThat(store.save(snapshot("patient-3", 10, 1))).isTrue();
        assertThat(store.save(new StoredSnapshot("patient-3", 10, "patient", "{\"other\":1}", 1))).isFalse();
        assertThat(store.latest("patient-3", 1).orElseThrow().data()).contains("Zoë");
    }

    @Test
    @DisplayName("a snapshot of a new schema version replaces the old one at the same stream version")
    void schemaReplacement() {
        SnapshotStore store = stores().snapshots();
        assertThat(store.save(snapshot("patient-11", 10, 1))).isTrue();
        assertThat(store.save(new StoredSnapshot("patient-11", 10, "patient", "{\"v2\":true}", 2))).isTrue();
        assertThat(store.latest("patient-11", 1)).isEmpty();
        assertThat(store.latest("patient-11", 2).orElseThrow().data()).isEqualTo("{\"v2\":true}");
        assertThat(store.save(new StoredSnapshot("patient-11", 10, "patient", "{\"again\":true}", 2))).isFalse();
        assertThat(store.latest("patient-11", 2).orElseThrow().data()).isEqualTo("{\"v2\":true}");
    }

    @Test
    @DisplayName("concurrent saves of one snapshot write exactly one row")
    void concurrentDuplicates() throws Exception {
        SnapshotStore store = stores().snapshots();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Callable<Boolean>> saves = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                saves.add(() -> store.save(snapshot("patient-4", 99, 1)));
            }
            int written = 0;
            for (Future<Boolean> f : pool.invokeAll(saves)) {
                written += f.get() ? 1 : 0;
            }
            assertThat(written).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    @DisplayName("the latest is the highest version of the requested schema version")
    void latestBySchema() {
        SnapshotStore store = stores().snapshots();
        store.save(snapshot("patient-5", 49, 1));
        store.save(snapshot("patient-5", 149, 1));
        store.save(snapshot("patient-5", 99, 1));
        store.save(snapshot("patient-5", 199, 2));
        assertThat(store.latest("patient-5", 1).orElseThrow().version()).isEqualTo(149);
        assertThat(store.latest("patient-5", 2).orElseThrow().version()).isEqualTo(199);
        assertThat(store.latest("patient-5", 3)).isEmpty();
    }

    @Test
    @DisplayName("stream ids with snapshots are listed in pages, in id order")
    void streamIds() {
        SnapshotStore store = stores().snapshots();
        for (String id : List.of("rx-c", "rx-a", "rx-b")) {
            store.save(snapshot(id, 1, 1));
            store.save(snapshot(id, 2, 1));
        }
        assertThat(store.streamIds("rx-", 2)).containsExactly("rx-a", "rx-b");
        assertThat(store.streamIds("rx-b", 2)).containsExactly("rx-c");
    }

    @Test
    @DisplayName("pruning keeps the newest K of a stream, whatever their schema, and touches no other stream")
    void prune() {
        SnapshotStore store = stores().snapshots();
        for (long v = 1; v <= 1200; v++) {
            store.save(snapshot("patient-7", v, v > 1100 ? 2 : 1));
        }
        store.save(snapshot("patient-8", 1, 1));
        assertThat(store.prune("patient-7", 3)).isEqualTo(1197);
        assertThat(store.latestVersions("patient-8", 10)).as("nothing after the last stream").isEmpty();
        assertThat(store.latestVersions("patient-6~", 10)).containsExactly(
                new SnapshotStore.StreamVersion("patient-7", 1200, "patient"),
                new SnapshotStore.StreamVersion("patient-8", 1, "patient"));
        assertThat(store.latest("patient-7", 1)).as("only schema 2 is left").isEmpty();
        assertThat(store.prune("patient-7", 3)).isZero();
        assertThat(store.prune("patient-8", 3)).isZero();
        assertThat(store.latest("patient-8", 1)).isPresent();
    }

    @Test
    @DisplayName("save-and-prune writes once, keeps the newest K with the new one counted, past one delete batch")
    void saveAndPrune() {
        SnapshotStore store = stores().snapshots();
        events("patient-12", 5);
        events("patient-13", 701);
        assertThat(store.saveAndPrune(snapshot("patient-12", 1, 1), -1, 3)).isEqualTo(saved(0));
        int pruned = 0;
        for (long v = 2; v <= 5; v++) {
            pruned += store.saveAndPrune(snapshot("patient-12", v, 1), -1, 3).pruned();
        }
        assertThat(pruned).isEqualTo(2);
        assertThat(store.saveAndPrune(snapshot("patient-12", 5, 1), -1, 3)).as("idempotent")
                .isEqualTo(new SnapshotStore.Saved(SnapshotStore.Write.EXISTED, 0));
        assertThat(store.prune("patient-12", 3)).as("only 3, 4 and 5 are left").isZero();
        assertThat(store.latest("patient-12", 1).orElseThrow().version()).isEqualTo(5);

        for (long v = 1; v <= 700; v++) {
            store.save(snapshot("patient-13", v, 1));
        }
        store.save(snapshot("patient-14", 1, 1));
        assertThat(store.saveAndPrune(snapshot("patient-13", 701, 1), -1, 3)).isEqualTo(saved(698));
        assertThat(store.prune("patient-13", 3)).isZero();
        assertThat(store.latest("patient-13", 1).orElseThrow().version()).isEqualTo(701);
        assertThat(store.latest("patient-14", 1)).as("another stream is untouched").isPresent();
    }

    @Test
    @DisplayName("save-and-prune of an older version, or of a new schema at the newest version, prunes exactly")
    void saveAndPruneOutOfOrder() {
        SnapshotStore store = stores().snapshots();
        events("patient-15", 5);
        for (long v = 3; v <= 5; v++) {
            store.save(snapshot("patient-15", v, 1));
        }
        // a late build of version 2: written, then pruned itself as the oldest of four
        assertThat(store.saveAndPrune(snapshot("patient-15", 2, 1), -1, 3)).isEqualTo(saved(1));
        assertThat(store.latestVersions("patient-14~", 1)).containsExactly(
                new SnapshotStore.StreamVersion("patient-15", 5, "patient"));
        assertThat(store.prune("patient-15", 3)).as("3, 4 and 5 are left").isZero();
        // a rebuild writes schema 2 over the newest row and keeps two
        assertThat(store.saveAndPrune(snapshot("patient-15", 5, 2), position("patient-15", 5), 2))
                .isEqualTo(saved(1));
        assertThat(store.latest("patient-15", 2).orElseThrow().version()).isEqualTo(5);
        assertThat(store.latest("patient-15", 1).orElseThrow().version()).isEqualTo(4);
        assertThat(store.prune("patient-15", 2)).isZero();
    }

    @Test
    @DisplayName("a build's save lands only while the event at its version is there, at the position it read")
    void fencedSave() {
        SnapshotStore store = stores().snapshots();
        assertThat(store.saveAndPrune(snapshot("patient-16", 3, 1), -1, 3)).as("no events at all")
                .isEqualTo(new SnapshotStore.Saved(SnapshotStore.Write.EVENT_GONE, 0));
        events("patient-16", 3);
        long position = position("patient-16", 3);
        assertThat(store.saveAndPrune(snapshot("patient-16", 4, 1), -1, 3)).as("beyond the events")
                .isEqualTo(new SnapshotStore.Saved(SnapshotStore.Write.EVENT_GONE, 0));
        assertThat(store.saveAndPrune(snapshot("patient-16", 3, 1), position + 1_000_000, 3))
                .as("the event at that version is another one (the stream was erased and written again)")
                .isEqualTo(new SnapshotStore.Saved(SnapshotStore.Write.EVENT_GONE, 0));
        assertThat(store.latest("patient-16", 1)).isEmpty();
        assertThat(store.saveAndPrune(snapshot("patient-16", 3, 1), position, 3)).isEqualTo(saved(0));
        assertThat(store.latest("patient-16", 1).orElseThrow().version()).isEqualTo(3);
    }

    @Test
    @DisplayName("erasure deletes a stream's snapshots only once no event at or below the position remains;"
            + " while events remain, only the snapshots above the last one go")
    void erase() {
        SnapshotStore store = stores().snapshots();
        events("patient-17", 698);
        for (long v = 1; v <= 700; v++) {
            store.save(snapshot("patient-17", v, 1));
        }
        store.save(snapshot("patient-18", 1, 1));
        long first = position("patient-17", 0);
        assertThat(store.erase("patient-17", -1)).as("events remain; the snapshots above the last event go")
                .isEqualTo(new SnapshotStore.Erased(true, 2));
        assertThat(store.latest("patient-17", 1).orElseThrow().version()).isEqualTo(698);
        assertThat(store.erase("patient-17", first)).as("the first event remains")
                .isEqualTo(new SnapshotStore.Erased(true, 0));
        assertThat(store.latest("patient-17", 1)).isPresent();
        assertThat(store.erase("patient-17", first - 1))
                .as("every event is above the erased incarnation's position: written again since")
                .isEqualTo(new SnapshotStore.Erased(false, 698));
        assertThat(store.latest("patient-17", 1)).isEmpty();
        store.save(snapshot("patient-17", 5, 1));
        assertThat(store.erase("patient-17", SnapshotRequest.ALL_SNAPSHOTS))
                .as("ALL_SNAPSHOTS: every snapshot goes, whatever the events")
                .isEqualTo(new SnapshotStore.Erased(false, 1));
        assertThat(store.erase("patient-18", -1)).as("a stream without events").isEqualTo(
                new SnapshotStore.Erased(false, 1));
        assertThat(store.erase("patient-18", -1)).as("again: nothing left").isEqualTo(
                new SnapshotStore.Erased(false, 0));
    }

    @Test
    @DisplayName("deleting all of a stream's snapshots goes past one delete batch")
    void deleteAll() {
        SnapshotStore store = stores().snapshots();
        for (long v = 1; v <= 700; v++) {
            store.save(snapshot("patient-9", v, 1));
        }
        store.save(snapshot("patient-10", 1, 1));
        assertThat(store.deleteAll("patient-9")).isEqualTo(700);
        assertThat(store.latest("patient-9", 1)).isEmpty();
        assertThat(store.latest("patient-10", 1)).isPresent();
    }

    @Test
    @DisplayName("creating the tables again changes nothing")
    void schemaIsIdempotent() {
        stores().snapshots().save(snapshot("patient-6", 1, 1));
        stores().schema().createSnapshotsTable();
        stores().schema().createEventsTable();
        assertThat(stores().snapshots().latest("patient-6", 1)).isPresent();
    }
}
