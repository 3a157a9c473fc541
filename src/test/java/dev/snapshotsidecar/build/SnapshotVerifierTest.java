package dev.snapshotsidecar.build;

import dev.snapshotsidecar.testkit.ClinicalEvents;
import dev.snapshotsidecar.clinical.PatientAggregator;
import dev.snapshotsidecar.fold.AggregatorFold;
import dev.snapshotsidecar.fold.StoredEvent;
import dev.snapshotsidecar.store.StoredSnapshot;
import dev.snapshotsidecar.request.RequestReason;
import dev.snapshotsidecar.request.SnapshotRequest;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class SnapshotVerifierTest {
    final InMemoryStore store = new InMemoryStore();
    final Folds folds = Folds.of(Map.of("patient", new AggregatorFold<>(new PatientAggregator())));
    final SnapshotVerifier verifier = new SnapshotVerifier(store, store, folds, 0);

    void write(String streamId, int count) {
        ClinicalEvents script = new ClinicalEvents(streamId, 0, 9);
        for (int i = 0; i < count; i++) {
            var e = script.next();
            store.events.add(new StoredEvent(e.streamId(), e.version(), e.eventType(), e.data(), Optional.empty(),
                    Instant.EPOCH));
        }
        new FoldingSnapshotBuilder(store, store, folds,
                Map.of("patient", new BuildRules(3, 1 << 20)), 0, Clock.systemUTC())
                .build(SnapshotRequest.of(streamId, "patient", count - 1, -1, RequestReason.THRESHOLD, Instant.EPOCH),
                        BuildLease.ALWAYS);
    }

    @Test
    @DisplayName("a snapshot equal to full replay passes; a tampered one, or one past the events, is a mismatch")
    void verify() {
        write("patient-1", 60);
        write("patient-2", 60);
        write("patient-3", 60);
        store.snapshots.replaceAll(s -> s.streamId().equals("patient-2")
                ? new StoredSnapshot(s.streamId(), s.version(), s.aggregateType(),
                s.data().replaceFirst("\"patientId\":\"[^\"]*\"", "\"patientId\":\"x\""), 1) : s);
        store.events.removeIf(e -> e.streamId().equals("patient-3") && e.version() > 40);
        SnapshotVerifier.Report report = verifier.verify(Map.of("patient-1", "patient", "patient-2", "patient",
                "patient-3", "patient", "patient-4", "patient"));
        assertThat(report.checked()).as("patient-4 has no snapshot and is not counted").isEqualTo(3);
        assertThat(report.mismatches()).extracting(SnapshotVerifier.Mismatch::streamId)
                .containsExactlyInAnyOrder("patient-2", "patient-3");
        assertThat(report.mismatches()).anySatisfy(m -> assertThat(m.reason()).isEqualTo("events end at version 40"))
                .anySatisfy(m -> assertThat(m.reason()).startsWith("snapshot differs from full replay at $."));
    }

    @Test
    @DisplayName("compare folds every stream both ways and names each one where the two differ, by JSON path only")
    void compare() {
        write("patient-1", 60);
        write("patient-2", 60);
        AggregatorFold<?> java = new AggregatorFold<>(new PatientAggregator());
        dev.snapshotsidecar.fold.Fold renaming = new dev.snapshotsidecar.fold.Fold() {
            @Override
            public dev.snapshotsidecar.fold.FoldKind kind() {
                return dev.snapshotsidecar.fold.FoldKind.JSONATA;
            }

            @Override
            public String description() {
                return "renaming";
            }

            @Override
            public int schemaVersion() {
                return 1;
            }

            @Override
            public Run start(String streamId, Optional<dev.snapshotsidecar.fold.FoldState> from, long first) {
                Run run = java.start(streamId, from, first);
                return new Run() {
                    @Override
                    public void apply(StoredEvent event) {
                        run.apply(event);
                    }

                    @Override
                    public dev.snapshotsidecar.fold.FoldState finish() {
                        var state = run.finish();
                        return streamId.equals("patient-2") ? new dev.snapshotsidecar.fold.FoldState(state.version(),
                                state.schemaVersion(), state.json().replace("\"patientId\":", "\"patientID\":"))
                                : state;
                    }
                };
            }
        };
        SnapshotVerifier.Report report = verifier.compare(Map.of("patient-1", "patient", "patient-2", "patient"),
                Folds.of(Map.of("patient", renaming)));
        assertThat(report.checked()).isEqualTo(2);
        assertThat(report.mismatches()).singleElement().satisfies(m -> {
            assertThat(m.streamId()).isEqualTo("patient-2");
            assertThat(m.version()).isEqualTo(59);
            assertThat(m.reason()).isEqualTo("java (aggregator clinical.patient) and jsonata (renaming)"
                    + " disagree at $.patientId (missing on one side)");
        });
    }

    @Test
    @DisplayName("a snapshot readers cannot read is reported as unreadable, corrupt JSON or a state fromJson rejects")
    void unreadable() {
        write("patient-5", 60);
        write("patient-6", 60);
        store.snapshots.replaceAll(s -> switch (s.streamId()) {
            case "patient-5" -> new StoredSnapshot(s.streamId(), s.version(), s.aggregateType(), "{\"patientId\":", 1);
            case "patient-6" -> new StoredSnapshot(s.streamId(), s.version(), s.aggregateType(), "[1, 2, 3]", 1);
            default -> s;
        });
        SnapshotVerifier.Report report = verifier.verify(Map.of("patient-5", "patient", "patient-6", "patient"));
        assertThat(report.mismatches()).hasSize(2).allSatisfy(m -> {
            assertThat(m.kind()).isEqualTo(SnapshotVerifier.Kind.UNREADABLE);
            assertThat(m.reason()).startsWith("clinical.patient cannot read it (")
                    .endsWith("); readers fall back to full replay").doesNotContain("patientId");
        });
    }
}
