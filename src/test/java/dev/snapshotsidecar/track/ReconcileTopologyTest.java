package dev.snapshotsidecar.track;

import dev.snapshotsidecar.config.SidecarConfig;
import dev.snapshotsidecar.request.Outcome;
import dev.snapshotsidecar.request.SnapshotResult;
import dev.snapshotsidecar.request.TrackerCommand;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** A reconcile pass's corrections, and an operator's request for one, through the real topology. */
class ReconcileTopologyTest {
    TrackerHarness tracker = new TrackerHarness(Instant.parse("2026-11-28T01:00:00Z"), Map.of(
            "patient", TrackerHarness.everyN(10, new SidecarConfig.Tail(Set.of("PatientDischarged"), Optional.empty(),
                    20), Optional.empty())));

    @AfterEach
    void close() {
        tracker.close();
    }

    void reconciled(String streamId, String type, long version, String lastType) {
        tracker.results.pipeInput(streamId, SnapshotResult.reconciled(streamId, type, version,
                new SnapshotResult.LastEvent(lastType, tracker.clock.millis() - 3_600_000, 5000 + version)));
    }

    double corrected(String correction) {
        var counter = tracker.meters.find("sidecar.track.reconciled").tag("aggregate.type", "patient")
                .tag("correction", correction).counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    @DisplayName("a head behind the database is raised and asked for when due; one ahead or current is never lowered")
    void raises() {
        tracker.append("patient-1", 0, 4, "NoteAdded");
        tracker.clock.advance(Duration.ofHours(3));
        reconciled("patient-1", "patient", 14, "NoteAdded"); // CDC lost versions 5..14, written 2 hours later
        assertThat(tracker.requested()).containsExactly("patient-1@14:THRESHOLD");
        StreamHead head = tracker.heads.get("patient-1");
        assertThat(head.headVersion()).isEqualTo(14);
        assertThat(head.maxPosition()).isEqualTo(5014);
        assertThat(head.lastEventMillis()).isEqualTo(tracker.clock.millis() - 3_600_000);
        tracker.result("patient-1", 14, Outcome.WRITTEN);
        tracker.append("patient-1", 5, 16, "NoteAdded"); // the lost events arrive after all, and two more
        assertThat(tracker.heads.get("patient-1").headVersion()).isEqualTo(16);
        reconciled("patient-1", "patient", 15, "NoteAdded"); // read before the last events came
        assertThat(tracker.heads.get("patient-1").headVersion()).as("never lowered").isEqualTo(16);
        assertThat(corrected("raised")).isEqualTo(1);
        assertThat(tracker.requested()).isEmpty();
    }

    @Test
    @DisplayName("a stream the tracker never saw gets a head of the pass's type; a resting last event marks it")
    void starts() {
        reconciled("patient-2", "patient", 3, "NoteAdded");
        assertThat(tracker.heads.get("patient-2").aggregateType()).isEqualTo("patient");
        assertThat(tracker.requested()).as("4 events, below the threshold").isEmpty();
        reconciled("patient-3", "patient", 3, "PatientDischarged");
        assertThat(tracker.requested()).containsExactly("patient-3@3:AFTER_EVENT");
        assertThat(corrected("started")).isEqualTo(2);
        reconciled("visit-4", "visit", 30, "E");
        assertThat(tracker.heads.get("visit-4")).as("a type not configured").isNull();
    }

    @Test
    @DisplayName("a stream whose erasure is owed is left to the erasure")
    void erasure() {
        tracker.append("patient-5", 0, 3, "NoteAdded");
        com.fasterxml.jackson.databind.node.ObjectNode before = new com.fasterxml.jackson.databind.ObjectMapper()
                .createObjectNode().put("stream_id", "patient-5").put("stream_version", 0);
        com.fasterxml.jackson.databind.node.ObjectNode envelope = new com.fasterxml.jackson.databind.ObjectMapper()
                .createObjectNode();
        envelope.set("before", before);
        envelope.put("op", "d");
        tracker.changes.pipeInput(TrackerHarness.bytes("{\"stream_id\":\"patient-5\"}"),
                TrackerHarness.bytes(envelope.toString()));
        assertThat(tracker.heads.get("patient-5").erasing()).isTrue();
        reconciled("patient-5", "patient", 30, "NoteAdded");
        assertThat(tracker.heads.get("patient-5").headVersion()).isEqualTo(3);
        assertThat(corrected("raised")).isZero();
    }

    @Test
    @DisplayName("an operator's reconcile command is kept in the task's sweep state, with when the task read it")
    void request() {
        tracker.clock.advance(Duration.ofMinutes(3));
        tracker.commands.pipeInput("", TrackerCommand.reconcile(tracker.clock.instant()));
        SweepState kept = tracker.driver.<String, SweepState>getKeyValueStore(TrackerNames.SWEEPS_STORE)
                .get(HeadTracker.RECONCILE_KEY);
        assertThat(kept.startedMillis()).isEqualTo(tracker.clock.millis());
    }
}
