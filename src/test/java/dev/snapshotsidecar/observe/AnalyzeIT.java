package dev.snapshotsidecar.observe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariDataSource;
import dev.snapshotsidecar.config.SidecarConfig;
import dev.snapshotsidecar.testkit.ClinicalEvents;
import dev.snapshotsidecar.fold.AggregatorRegistry;
import dev.snapshotsidecar.store.DialectStores;
import dev.snapshotsidecar.store.EventAppender.NewEvent;
import dev.snapshotsidecar.store.StoredSnapshot;
import dev.snapshotsidecar.testing.SharedStack;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** "Measure first" on a real PostgreSQL with streams of known lengths. */
@ExtendWith(SharedStack.class)
class AnalyzeIT {

    @Test
    @DisplayName("analyze reports the right percentiles, tail and recommendation per type, as text, JSON and HTML")
    void knownDistribution(@TempDir Path dir) throws Exception {
        SidecarConfig config = SharedStack.stack().sidecarConfig("analyze", Map.of(
                "SIDECAR_DATABASE_SCHEMA", "analyze_it",
                "SIDECAR_AGGREGATE_TYPES_PATIENT_REPLAY_COST_ABOVE", "1ms"));
        try (HikariDataSource pool = DialectStores.pool(config.database(), "analyze-it")) {
            DialectStores stores = DialectStores.of(config.database(), pool);
            stores.schema().createEventsTable();
            stores.schema().createSnapshotsTable();
            // patients: 100 streams of 1..100 events; prescriptions: 20 streams of 600 events
            List<NewEvent> events = new ArrayList<>();
            for (int i = 1; i <= 100; i++) {
                write(events, "patient-" + i, i);
            }
            for (int i = 1; i <= 20; i++) {
                write(events, "prescription-" + i, 600);
            }
            stores.appender().append(events);
            for (int i = 1; i <= 20; i++) {
                stores.snapshots().save(new StoredSnapshot("prescription-" + i, 549, "prescription", "{}", 1));
            }
            List<String> progress = new ArrayList<>();
            dev.snapshotsidecar.build.Folds folds = dev.snapshotsidecar.build.Folds.of(config,
                    AggregatorRegistry.load(Optional.empty()));
            StreamLengthReport report = StreamLengthReport.measure(config, stores, (type, ids) ->
                    dev.snapshotsidecar.build.FoldReplay.microsPerEvent(folds.forType(type).orElseThrow(),
                            stores.events(), ids, 0), 5, new WorkProgress() {
                        @Override
                        public void phase(String name, long total) {
                            progress.add(name + " of " + total);
                        }

                        @Override
                        public void advance(long steps) {
                            progress.add("+" + steps);
                        }
                    });
            // every stream read, every snapshot read, then each type's sample of 5 folded
            assertThat(String.join(" ", progress)).isEqualTo("reading stream lengths of -1 +120"
                    + " reading latest snapshots of -1 +20 folding a sample of streams of 10 +5 +5");
            StreamLengthReport.TypeReport patients = report.types().stream()
                    .filter(t -> t.type().equals("patient")).findFirst().orElseThrow();
            assertThat(patients.lengths().count()).isEqualTo(100);
            assertThat(patients.lengths().percentile(50)).isEqualTo(50);
            assertThat(patients.lengths().percentile(95)).isEqualTo(95);
            assertThat(patients.lengths().percentile(99)).isEqualTo(99);
            assertThat(patients.lengths().max()).isEqualTo(100);
            assertThat(patients.tailP95()).isEqualTo(95);
            assertThat(patients.recommendation()).isEqualTo(Recommendation.PREMATURE);
            assertThat(patients.microsPerEvent()).isPositive();
            StreamLengthReport.TailCost cost = patients.tailCost();
            assertThat(cost.bytesPerEvent()).as("clinical events are JSON of some tens of bytes").isGreaterThan(20);
            assertThat(cost.p95Millis()).isEqualTo(patients.microsPerEvent() * 95 / 1000.0);
            assertThat(cost.eventsAtLimit()).isEqualTo((long) Math.ceil(1000 / patients.microsPerEvent()));
            // patient-i has i events and no snapshot: those of eventsAtLimit events or more are over the limit
            assertThat(cost.streamsOverLimit()).isEqualTo((int) Math.max(0, 100 - cost.eventsAtLimit() + 1));
            StreamLengthReport.TypeReport prescriptions = report.types().stream()
                    .filter(t -> t.type().equals("prescription")).findFirst().orElseThrow();
            assertThat(prescriptions.lengths().percentile(95)).isEqualTo(600);
            assertThat(prescriptions.tailP95()).isEqualTo(50);
            assertThat(prescriptions.recommendation()).isEqualTo(Recommendation.NECESSARY);

            System.out.print(report.text()); // the report as a person sees it, in the test output
            assertThat(report.text()).contains("patient: 100 streams", "p95 95", "PREMATURE", "prescription: 20 streams",
                    "NECESSARY", "█");
            JsonNode json = new ObjectMapper().readTree(report.json());
            assertThat(json.at("/aggregateTypes/0/p95").asLong()).isEqualTo(95);
            assertThat(json.at("/aggregateTypes/1/recommendation").asText()).isEqualTo("NECESSARY");
            assertThat(json.at("/aggregateTypes/0/replayCostAboveMillis").asLong()).isEqualTo(1);
            assertThat(json.at("/aggregateTypes/0/streamsOverLimit").asInt()).isEqualTo(cost.streamsOverLimit());
            assertThat(json.at("/aggregateTypes/1/replayCostAboveMillis").isMissingNode()).isTrue();
            assertThat(report.text()).contains("replay-cost-above 1 ms: due about");
            Path html = dir.resolve("report.html");
            Files.writeString(html, report.html());
            assertThat(Files.readString(html)).contains("<svg", "<rect", "prescription", "NECESSARY");
        }
    }

    private static void write(List<NewEvent> events, String streamId, int length) {
        ClinicalEvents script = new ClinicalEvents(streamId, 0, streamId.hashCode());
        for (int v = 0; v < length; v++) {
            events.add(script.next());
        }
    }
}
