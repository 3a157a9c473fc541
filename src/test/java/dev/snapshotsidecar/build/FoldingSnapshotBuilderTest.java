package dev.snapshotsidecar.build;

import dev.snapshotsidecar.demo.clinical.PatientAggregator;
import dev.snapshotsidecar.demo.clinical.PrescriptionAggregator;
import dev.snapshotsidecar.fold.AggregatorRegistry;
import dev.snapshotsidecar.fold.StoredEvent;
import dev.snapshotsidecar.store.StoredSnapshot;
import dev.snapshotsidecar.store.TransientStoreException;
import dev.snapshotsidecar.track.Outcome;
import dev.snapshotsidecar.track.RequestReason;
import dev.snapshotsidecar.track.SnapshotRequest;
import dev.snapshotsidecar.track.SnapshotResult;
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
            AggregatorRegistry.of(List.of(aggregator, new PatientAggregator())),
            Map.of("prescription", new BuildRules(PrescriptionAggregator.NAME, 2, 4096)), 0, Clock.systemUTC());

    void write(String streamId, int count) {
        var script = new dev.snapshotsidecar.demo.clinical.ClinicalEvents(streamId, 0, 3);
        for (int i = 0; i < count; i++) {
            var e = script.next();
            store.events.add(new StoredEvent(e.streamId(), e.version(), e.eventType(), e.data(), Optional.empty(),
                    Instant.EPOCH));
        }
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
        SnapshotResult first = builder.build(request("prescription-1", 49));
        assertThat(first.outcome()).isEqualTo(Outcome.WRITTEN);
        assertThat(first.version()).isEqualTo(49);
        SnapshotResult second = builder.build(request("prescription-1", 99));
        assertThat(second.detail()).startsWith("folded 50 events");
        assertThat(store.latest("prescription-1", 1).orElseThrow().data()).isEqualTo(fullReplay("prescription-1", 99));
    }

    @Test
    @DisplayName("retention keeps the newest K snapshots after each write")
    void retention() {
        write("prescription-1", 200);
        for (long head = 19; head < 200; head += 20) {
            assertThat(builder.build(request("prescription-1", head)).outcome()).isEqualTo(Outcome.WRITTEN);
            assertThat(store.snapshots.stream().filter(s -> s.streamId().equals("prescription-1")).count())
                    .isLessThanOrEqualTo(2);
        }
        assertThat(store.snapshots).extracting(StoredSnapshot::version).containsExactlyInAnyOrder(179L, 199L);
    }

    @Test
    @DisplayName("a snapshot over the size limit is not written and says TOO_LARGE with its size")
    void tooLarge() {
        write("prescription-1", 20);
        SnapshotBuilder tiny = new FoldingSnapshotBuilder(store, store, AggregatorRegistry.of(List.of(aggregator)),
                Map.of("prescription", new BuildRules(PrescriptionAggregator.NAME, 3, 100)), 0, Clock.systemUTC());
        SnapshotResult result = tiny.build(request("prescription-1", 19));
        assertThat(result.outcome()).isEqualTo(Outcome.TOO_LARGE);
        assertThat(result.detail()).contains("bytes, over the 100 allowed");
        assertThat(store.snapshots).isEmpty();
    }

    @Test
    @DisplayName("an erase request deletes every snapshot of the stream and only of that stream")
    void erase() {
        write("prescription-1", 60);
        write("prescription-2", 60);
        builder.build(request("prescription-1", 29));
        builder.build(request("prescription-1", 59));
        builder.build(request("prescription-2", 59));
        SnapshotResult result = builder.build(SnapshotRequest.of("prescription-1", "prescription", 59, -1,
                RequestReason.ERASE, Instant.EPOCH));
        assertThat(result.outcome()).isEqualTo(Outcome.ERASED);
        assertThat(store.snapshots).extracting(StoredSnapshot::streamId).containsExactly("prescription-2");
    }

    @Test
    @DisplayName("a duplicate request is a cheap ALREADY_CURRENT")
    void duplicate() {
        write("prescription-1", 60);
        builder.build(request("prescription-1", 49));
        assertThat(builder.build(request("prescription-1", 49)).outcome()).isEqualTo(Outcome.ALREADY_CURRENT);
        assertThat(builder.build(request("prescription-1", 10)).outcome()).isEqualTo(Outcome.ALREADY_CURRENT);
        assertThat(store.snapshots).hasSize(1);
    }

    @Test
    @DisplayName("snapshots of another schema version are ignored")
    void otherSchemaVersion() {
        write("prescription-1", 60);
        store.snapshots.add(new StoredSnapshot("prescription-1", 40, "prescription", "{\"old\":true}", 0));
        SnapshotResult result = builder.build(request("prescription-1", 49));
        assertThat(result.detail()).startsWith("folded 50 events");
        assertThat(store.latest("prescription-1", 1).orElseThrow().data()).isEqualTo(fullReplay("prescription-1", 49));
    }

    @Test
    @DisplayName("a fold that throws fails that stream only, naming version and event type but no payload")
    void foldFails() {
        write("prescription-1", 10);
        store.events.add(new StoredEvent("prescription-1", 10, "PrescriptionCloned", "{\"secret\":\"x\"}",
                Optional.empty(), Instant.EPOCH));
        SnapshotResult result = builder.build(request("prescription-1", 10));
        assertThat(result.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(result.detail()).contains("version 10", "PrescriptionCloned", "UnknownEventTypeException")
                .doesNotContain("secret");
        write("prescription-2", 10);
        assertThat(builder.build(request("prescription-2", 9)).outcome()).isEqualTo(Outcome.WRITTEN);
    }

    @Test
    @DisplayName("a stream with a gap or fewer events than requested fails rather than writing a wrong snapshot")
    void gapsAndShortStreams() {
        write("prescription-1", 10);
        assertThat(builder.build(request("prescription-1", 20)).detail()).contains("end at version 9");
        store.events.removeIf(e -> e.version() == 5);
        SnapshotResult gap = builder.build(request("prescription-1", 9));
        assertThat(gap.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(gap.detail()).contains("gap");
        assertThat(store.snapshots).isEmpty();
    }

    @Test
    @DisplayName("a type without an aggregator fails with a reason; a database outage propagates to be retried")
    void configurationAndOutage() {
        assertThat(builder.build(SnapshotRequest.of("x-1", "invoice", 3, -1, RequestReason.THRESHOLD, Instant.EPOCH))
                .detail()).contains("no aggregator is configured for aggregate type 'invoice'");
        write("prescription-1", 10);
        store.failuresToInject.set(1);
        assertThatThrownBy(() -> builder.build(request("prescription-1", 9)))
                .isInstanceOf(TransientStoreException.class).hasMessageContaining("will retry");
        assertThat(builder.build(request("prescription-1", 9)).outcome()).isEqualTo(Outcome.WRITTEN);
    }
}
