package dev.snapshotsidecar.build;

import dev.snapshotsidecar.clinical.PatientAggregator;
import dev.snapshotsidecar.clinical.PrescriptionAggregator;
import dev.snapshotsidecar.fold.AggregatorFold;
import dev.snapshotsidecar.fold.StoredEvent;
import dev.snapshotsidecar.store.StoredSnapshot;
import dev.snapshotsidecar.store.TransientStoreException;
import dev.snapshotsidecar.request.Outcome;
import dev.snapshotsidecar.request.RequestReason;
import dev.snapshotsidecar.request.SnapshotRequest;
import dev.snapshotsidecar.request.SnapshotResult;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FoldingSnapshotBuilderTest {
    final InMemoryStore store = new InMemoryStore();
    final PrescriptionAggregator aggregator = new PrescriptionAggregator();
    final SnapshotBuilder builder = new FoldingSnapshotBuilder(store, store,
            Folds.of(Map.of("prescription", new AggregatorFold<>(aggregator))),
            Map.of("prescription", new BuildRules(2, 4096)), 0, Clock.systemUTC());

    long position;

    /** Appends {@code count} events from version 0, each at the next global position. */
    void write(String streamId, int count) {
        var script = new dev.snapshotsidecar.testkit.ClinicalEvents(streamId, 0, 3);
        for (int i = 0; i < count; i++) {
            var e = script.next();
            store.events.add(new StoredEvent(e.streamId(), e.version(), e.eventType(), e.data(), Optional.empty(),
                    Instant.EPOCH, ++position));
        }
    }

    void deleteEvents(String streamId) {
        store.events.removeIf(e -> e.streamId().equals(streamId));
    }

    static SnapshotRequest erase(String streamId, long position) {
        return SnapshotRequest.erase(streamId, "prescription", 0, 59, position, Instant.EPOCH);
    }

    static SnapshotRequest request(String streamId, long head) {
        return SnapshotRequest.of(streamId, "prescription", head, -1, RequestReason.THRESHOLD, Instant.EPOCH);
    }

    String fullReplay(String streamId, long upTo) {
        var state = aggregator.initialState();
        for (StoredEvent e : store.events) {
            if (e.streamId().equals(streamId) && e.version() <= upTo) {
                state = aggregator.apply(state, e);
            }
        }
        return aggregator.toJson(state);
    }

    @Test
    @DisplayName("a snapshot at version V equals the fold of events first..V, also when built on an earlier one")
    void incremental() {
        write("prescription-1", 120);
        SnapshotResult first = builder.build(request("prescription-1", 49), BuildLease.ALWAYS);
        assertThat(first.outcome()).isEqualTo(Outcome.WRITTEN);
        assertThat(first.version()).isEqualTo(49);
        SnapshotResult second = builder.build(request("prescription-1", 99), BuildLease.ALWAYS);
        assertThat(second.detail()).startsWith("folded 50 events");
        assertThat(store.latest("prescription-1", 1).orElseThrow().data()).isEqualTo(fullReplay("prescription-1", 99));
    }

    @Test
    @DisplayName("retention keeps the newest K snapshots after each write")
    void retention() {
        write("prescription-1", 200);
        for (long head = 19; head < 200; head += 20) {
            assertThat(builder.build(request("prescription-1", head), BuildLease.ALWAYS).outcome()).isEqualTo(Outcome.WRITTEN);
            assertThat(store.snapshots.stream().filter(s -> s.streamId().equals("prescription-1")).count())
                    .isLessThanOrEqualTo(2);
        }
        assertThat(store.snapshots).extracting(StoredSnapshot::version).containsExactlyInAnyOrder(179L, 199L);
    }

    @Test
    @DisplayName("a snapshot over the size limit is not written and says TOO_LARGE with its size")
    void tooLarge() {
        write("prescription-1", 20);
        SnapshotBuilder tiny = new FoldingSnapshotBuilder(store, store,
                Folds.of(Map.of("prescription", new AggregatorFold<>(aggregator))),
                Map.of("prescription", new BuildRules(3, 100)), 0, Clock.systemUTC());
        SnapshotResult result = tiny.build(request("prescription-1", 19), BuildLease.ALWAYS);
        assertThat(result.outcome()).isEqualTo(Outcome.TOO_LARGE);
        assertThat(result.detail()).contains("bytes, over the 100 allowed");
        assertThat(store.snapshots).isEmpty();
    }

    @Test
    @DisplayName("an erase request, once the stream's events are all gone, deletes every snapshot of that stream only")
    void erase() {
        write("prescription-1", 60);
        write("prescription-2", 60);
        builder.build(request("prescription-1", 29), BuildLease.ALWAYS);
        builder.build(request("prescription-1", 59), BuildLease.ALWAYS);
        builder.build(request("prescription-2", 59), BuildLease.ALWAYS);
        deleteEvents("prescription-1");
        SnapshotResult result = builder.build(erase("prescription-1", 60), BuildLease.ALWAYS);
        assertThat(result.outcome()).isEqualTo(Outcome.ERASED);
        assertThat(result.reason()).isEqualTo(RequestReason.ERASE);
        assertThat(store.snapshots).extracting(StoredSnapshot::streamId).containsExactly("prescription-2");
    }

    @Test
    @DisplayName("deleting some events (archiving) is not erasure: the snapshots stay and the stream builds on")
    void archivingIsNotErasure() {
        write("prescription-1", 120);
        String expected = fullReplay("prescription-1", 119);
        builder.build(request("prescription-1", 99), BuildLease.ALWAYS);
        store.events.removeIf(e -> e.version() < 90); // the archive job takes what the snapshot made unneeded
        SnapshotResult result = builder.build(erase("prescription-1", 120), BuildLease.ALWAYS);
        assertThat(result.outcome()).isEqualTo(Outcome.EVENTS_REMAIN);
        assertThat(store.snapshots).extracting(StoredSnapshot::version).containsExactly(99L);
        SnapshotResult next = builder.build(request("prescription-1", 119), BuildLease.ALWAYS);
        assertThat(next.outcome()).as("built from the latest snapshot, not from the archived start")
                .isEqualTo(Outcome.WRITTEN);
        assertThat(store.latest("prescription-1", 1).orElseThrow().data()).isEqualTo(expected);
    }

    @Test
    @DisplayName("an erasure run after the stream was written again erases the old incarnation's snapshots")
    void eraseAfterRecreation() {
        write("prescription-1", 60);
        builder.build(request("prescription-1", 49), BuildLease.ALWAYS);
        deleteEvents("prescription-1");
        write("prescription-1", 5); // a new incarnation: versions 0.., at higher global positions
        assertThat(builder.build(erase("prescription-1", 60), BuildLease.ALWAYS).outcome()).isEqualTo(Outcome.ERASED);
        assertThat(store.snapshots).isEmpty();
        assertThat(builder.build(erase("prescription-1", SnapshotRequest.NO_POSITION), BuildLease.ALWAYS).outcome())
                .as("without a position, events of any incarnation count").isEqualTo(Outcome.EVENTS_REMAIN);
    }

    @Test
    @DisplayName("a build whose events are deleted, or deleted and written again, before it saves writes nothing")
    void fencedSave() {
        write("prescription-1", 60);
        store.beforeSave = () -> deleteEvents("prescription-1");
        SnapshotResult gone = builder.build(request("prescription-1", 49), BuildLease.ALWAYS);
        assertThat(gone.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(gone.detail()).contains("deleted or written again");
        assertThat(store.snapshots).isEmpty();

        store.beforeSave = () -> {
            deleteEvents("prescription-1");
            write("prescription-1", 60); // the same versions again, other events at other positions
        };
        write("prescription-1", 60);
        assertThat(builder.build(request("prescription-1", 49), BuildLease.ALWAYS).outcome())
                .isEqualTo(Outcome.FAILED);
        assertThat(store.snapshots).as("no snapshot of the old events lands on the new ones").isEmpty();
    }

    @Test
    @DisplayName("a build whose lease is lost before it writes throws and writes nothing; nor does an erasure")
    void leaseLost() {
        write("prescription-1", 60);
        assertThatThrownBy(() -> builder.build(request("prescription-1", 49), () -> false))
                .isInstanceOf(LeaseLostException.class);
        assertThat(store.snapshots).isEmpty();
        builder.build(request("prescription-1", 49), BuildLease.ALWAYS);
        deleteEvents("prescription-1");
        assertThatThrownBy(() -> builder.build(erase("prescription-1", 60), () -> false))
                .isInstanceOf(LeaseLostException.class);
        assertThat(store.snapshots).hasSize(1);
    }

    @Test
    @DisplayName("a build folds no event above the position the tracker had seen: one there is a new life of the id")
    void positionBound() {
        write("prescription-1", 30);
        long seen = position; // the tracker saw the first 30 events when it asked
        deleteEvents("prescription-1");
        write("prescription-1", 60); // erased and written again since, from version 0
        SnapshotRequest bounded = SnapshotRequest.build("prescription-1", "prescription", 0, 29, -1, seen,
                RequestReason.THRESHOLD, Instant.EPOCH);
        SnapshotResult result = builder.build(bounded, BuildLease.ALWAYS);
        assertThat(result.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(result.detail()).contains("written after the request");
        assertThat(store.snapshots).isEmpty();
        assertThat(builder.build(SnapshotRequest.build("prescription-1", "prescription", 0, 29, -1, position,
                RequestReason.THRESHOLD, Instant.EPOCH), BuildLease.ALWAYS).outcome()).isEqualTo(Outcome.WRITTEN);
    }

    @Test
    @DisplayName("a long fold checks its lease as it goes and stops once the request moved to another worker")
    void leaseLostWhileFolding() {
        write("prescription-1", 2000);
        java.util.concurrent.atomic.AtomicInteger checks = new java.util.concurrent.atomic.AtomicInteger();
        BuildLease movedAway = () -> checks.incrementAndGet() < 2;
        assertThatThrownBy(() -> builder.build(request("prescription-1", 1999), movedAway))
                .isInstanceOf(LeaseLostException.class);
        assertThat(checks.get()).as("checked during the fold, not only before the write").isEqualTo(2);
        assertThat(store.snapshots).isEmpty();
    }

    @Test
    @DisplayName("an erasure that finds events left deletes the snapshots above the last one and names the position"
            + " it checked")
    void erasureWithEventsLeft() {
        write("prescription-1", 60);
        builder.build(request("prescription-1", 59), BuildLease.ALWAYS);
        store.events.removeIf(e -> e.streamId().equals("prescription-1") && e.version() > 39); // the end deleted
        SnapshotResult result = builder.build(erase("prescription-1", 100), BuildLease.ALWAYS);
        assertThat(result.outcome()).isEqualTo(Outcome.EVENTS_REMAIN);
        assertThat(result.version()).as("the position checked").isEqualTo(100);
        assertThat(store.snapshots).as("the snapshot folds events the table no longer has").isEmpty();
    }

    @Test
    @DisplayName("a result answers its request's incarnation")
    void incarnation() {
        write("prescription-1", 60);
        SnapshotResult result = builder.build(SnapshotRequest.build("prescription-1", "prescription", 1234, 49, -1,
                RequestReason.THRESHOLD, Instant.EPOCH), BuildLease.ALWAYS);
        assertThat(result.incarnation()).isEqualTo(1234);
        assertThat(result.reason()).isEqualTo(RequestReason.THRESHOLD);
    }

    @Test
    @DisplayName("a duplicate request is a cheap ALREADY_CURRENT")
    void duplicate() {
        write("prescription-1", 60);
        builder.build(request("prescription-1", 49), BuildLease.ALWAYS);
        assertThat(builder.build(request("prescription-1", 49), BuildLease.ALWAYS).outcome()).isEqualTo(Outcome.ALREADY_CURRENT);
        assertThat(builder.build(request("prescription-1", 10), BuildLease.ALWAYS).outcome()).isEqualTo(Outcome.ALREADY_CURRENT);
        assertThat(store.snapshots).hasSize(1);
    }

    @Test
    @DisplayName("snapshots of another schema version are ignored")
    void otherSchemaVersion() {
        write("prescription-1", 60);
        store.snapshots.add(new StoredSnapshot("prescription-1", 40, "prescription", "{\"old\":true}", 0));
        SnapshotResult result = builder.build(request("prescription-1", 49), BuildLease.ALWAYS);
        assertThat(result.detail()).startsWith("folded 50 events");
        assertThat(store.latest("prescription-1", 1).orElseThrow().data()).isEqualTo(fullReplay("prescription-1", 49));
    }

    @Test
    @DisplayName("a fold that throws fails that stream only, naming version and event type but no payload")
    void foldFails() {
        write("prescription-1", 10);
        store.events.add(new StoredEvent("prescription-1", 10, "PrescriptionCloned", "{\"secret\":\"x\"}",
                Optional.empty(), Instant.EPOCH));
        SnapshotResult result = builder.build(request("prescription-1", 10), BuildLease.ALWAYS);
        assertThat(result.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(result.detail()).contains("version 10", "PrescriptionCloned", "UnknownEventTypeException")
                .doesNotContain("secret");
        write("prescription-2", 10);
        assertThat(builder.build(request("prescription-2", 9), BuildLease.ALWAYS).outcome()).isEqualTo(Outcome.WRITTEN);
    }

    @Test
    @DisplayName("a stream with a gap fails rather than writing a wrong snapshot; a short one says where its events end")
    void gapsAndShortStreams() {
        write("prescription-1", 10);
        SnapshotResult shortStream = builder.build(request("prescription-1", 20), BuildLease.ALWAYS);
        assertThat(shortStream.outcome()).isEqualTo(Outcome.HEAD_BEYOND_EVENTS);
        assertThat(shortStream.version()).as("the database's last version").isEqualTo(9);
        assertThat(shortStream.detail()).contains("end at version 9");
        assertThat(builder.build(request("nobody-1", 20), BuildLease.ALWAYS).version())
                .as("no event at all: one before the first version").isEqualTo(-1);
        store.events.removeIf(e -> e.version() == 5);
        SnapshotResult gap = builder.build(request("prescription-1", 9), BuildLease.ALWAYS);
        assertThat(gap.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(gap.detail()).contains("gap");
        assertThat(store.snapshots).isEmpty();
    }

    @Test
    @DisplayName("a type without a fold fails with a reason; a database outage propagates to be retried")
    void configurationAndOutage() {
        assertThat(builder.build(SnapshotRequest.of("x-1", "invoice", 3, -1, RequestReason.THRESHOLD, Instant.EPOCH),
                BuildLease.ALWAYS).detail()).contains("no fold is configured for aggregate type 'invoice'");
        write("prescription-1", 10);
        store.failuresToInject.set(1);
        assertThatThrownBy(() -> builder.build(request("prescription-1", 9), BuildLease.ALWAYS))
                .isInstanceOf(TransientStoreException.class).hasMessageContaining("will retry");
        assertThat(builder.build(request("prescription-1", 9), BuildLease.ALWAYS).outcome()).isEqualTo(Outcome.WRITTEN);
    }
}
