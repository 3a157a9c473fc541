package dev.snapshotsidecar.build;

import dev.snapshotsidecar.clinical.PatientAggregator;
import dev.snapshotsidecar.clinical.PrescriptionAggregator;
import dev.snapshotsidecar.fold.AggregatorRegistry;
import dev.snapshotsidecar.fold.StoredEvent;
import dev.snapshotsidecar.request.FoldMeasure;
import dev.snapshotsidecar.request.Outcome;
import dev.snapshotsidecar.request.RequestReason;
import dev.snapshotsidecar.request.SnapshotRequest;
import dev.snapshotsidecar.testkit.ClinicalEvents;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class FoldMeterTest {
    final InMemoryStore store = new InMemoryStore();
    final FoldMeter meter = new FoldMeter();
    final SnapshotBuilder builder = meter.builder(new FoldingSnapshotBuilder(store, meter.reader(store),
            Folds.of(Map.of("prescription", new dev.snapshotsidecar.fold.AggregatorFold<>(new PrescriptionAggregator()),
                    "patient", new dev.snapshotsidecar.fold.AggregatorFold<>(new PatientAggregator()))),
            Map.of("prescription", new BuildRules(2, 1 << 20), "patient", new BuildRules(2, 10)), 0,
            Clock.systemUTC()));

    long write(String streamId, int count) {
        ClinicalEvents script = new ClinicalEvents(streamId, 0, 3);
        long bytes = 0;
        for (int i = 0; i < count; i++) {
            var e = script.next();
            store.events.add(new StoredEvent(e.streamId(), e.version(), e.eventType(), e.data(),
                    Optional.of("{\"by\":\"nurse\"}"), Instant.EPOCH, store.events.size() + 1));
            bytes += e.data().getBytes(java.nio.charset.StandardCharsets.UTF_8).length + 14;
        }
        return bytes;
    }

    static SnapshotRequest request(String streamId, String type, long head) {
        return SnapshotRequest.of(streamId, type, head, -1, RequestReason.THRESHOLD, Instant.EPOCH);
    }

    @Test
    @DisplayName("a build's fold is measured by type: the events after the snapshot, their bytes, a time")
    void measuresEachBuild() {
        long bytes = write("prescription-1", 120);
        assertThat(builder.build(request("prescription-1", "prescription", 49), BuildLease.ALWAYS).outcome())
                .isEqualTo(Outcome.WRITTEN);
        assertThat(builder.build(request("prescription-1", "prescription", 119), BuildLease.ALWAYS).outcome())
                .isEqualTo(Outcome.WRITTEN);
        FoldMeasure measured = meter.totals().get("prescription");
        assertThat(measured.events()).as("50 events, then the 70 after the first snapshot").isEqualTo(120);
        assertThat(measured.bytes()).isEqualTo(bytes);
        assertThat(measured.micros()).isPositive();
        assertThat(meter.drain()).containsOnlyKeys("prescription").containsEntry("prescription", measured);
        assertThat(meter.drain()).as("a drained window is empty").isEmpty();
        assertThat(meter.totals()).as("the running totals stay").containsEntry("prescription", measured);
    }

    @Test
    @DisplayName("builds that fold nothing or fail are not measured; TOO_LARGE is; reads outside a build are not")
    void onlyCompleteFolds() {
        write("prescription-2", 10);
        builder.build(request("prescription-2", "prescription", 9), BuildLease.ALWAYS);
        FoldMeasure once = meter.totals().get("prescription");
        assertThat(builder.build(request("prescription-2", "prescription", 9), BuildLease.ALWAYS).outcome())
                .isEqualTo(Outcome.ALREADY_CURRENT);
        assertThat(builder.build(request("prescription-2", "prescription", 15), BuildLease.ALWAYS).outcome())
                .as("the events end before the head").isEqualTo(Outcome.HEAD_BEYOND_EVENTS);
        assertThat(meter.totals().get("prescription")).isEqualTo(once);

        write("patient-3", 10);
        assertThat(builder.build(request("patient-3", "patient", 9), BuildLease.ALWAYS).outcome())
                .isEqualTo(Outcome.TOO_LARGE);
        assertThat(meter.totals().get("patient").events()).as("a fold too large to save still measured speed")
                .isEqualTo(10);

        meter.reader(store).read("prescription-2", 0, 9, e -> { });
        assertThat(meter.totals().get("prescription")).isEqualTo(once);
    }

    @Test
    @DisplayName("the worker's meters count each type's folds from the running totals")
    void meters() {
        write("prescription-4", 30);
        builder.build(request("prescription-4", "prescription", 29), BuildLease.ALWAYS);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        WorkerMetrics metrics = new WorkerMetrics();
        metrics.bindTo(registry);
        metrics.observeFolds(meter);
        metrics.observeFolds(meter);
        assertThat(registry.get("sidecar.build.fold.events").tag("aggregate.type", "prescription").functionCounter()
                .count()).isEqualTo(30);
        assertThat(registry.get("sidecar.build.fold.time").functionCounter().count()).isPositive();
    }
}
