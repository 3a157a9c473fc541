package dev.snapshotsidecar.track;

import dev.snapshotsidecar.config.SidecarConfig;
import dev.snapshotsidecar.request.Outcome;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** snapshot-after-events through the real topology, with a clock the test moves. */
class SnapshotAfterEventsTest {
    static final SidecarConfig.Tail RESTING = new SidecarConfig.Tail(Set.of("PatientDischarged"), Optional.empty(),
            20);
    TrackerHarness tracker = new TrackerHarness(Instant.parse("2026-11-28T01:00:00Z"), Map.of(
            "patient", TrackerHarness.everyN(100, RESTING, Optional.empty()),
            "ward", TrackerHarness.everyN(100, RESTING, Optional.of(Duration.ofMinutes(10))),
            "plain", TrackerHarness.everyN(100, SidecarConfig.Tail.NONE, Optional.empty())));

    @AfterEach
    void close() {
        tracker.close();
    }

    @Test
    @DisplayName("an event of a resting type makes the stream due at once, far below its threshold; others do not")
    void atOnce() {
        tracker.append("patient-1", 0, 5, "VitalSignsRecorded");
        assertThat(tracker.requested()).isEmpty();
        tracker.append("patient-1", 6, 6, "PatientDischarged");
        assertThat(tracker.requested()).containsExactly("patient-1@6:AFTER_EVENT");
        tracker.result("patient-1", 6, Outcome.WRITTEN);
        tracker.append("patient-1", 7, 9, "NoteAdded");
        tracker.tick(Duration.ofHours(1));
        assertThat(tracker.requested()).as("the snapshot at the discharge answered it").isEmpty();

        tracker.append("plain-1", 0, 5, "PatientDischarged");
        assertThat(tracker.requested()).as("a type that marks nothing").isEmpty();
        assertThat(tracker.heads.get("plain-1").markedVersion()).isEqualTo(StreamHead.NONE);
    }

    @Test
    @DisplayName("a resting event that comes while a request is pending is asked for once that request is answered")
    void whilePending() {
        tracker.append("patient-2", 0, 98, "NoteAdded");
        tracker.append("patient-2", 99, 99, "NoteAdded");
        assertThat(tracker.requested()).containsExactly("patient-2@99:THRESHOLD");
        tracker.append("patient-2", 100, 100, "PatientDischarged");
        assertThat(tracker.requested()).as("one request at a time").isEmpty();
        tracker.result("patient-2", 99, Outcome.WRITTEN);
        assertThat(tracker.requested()).as("the mark outlived the pending request").containsExactly(
                "patient-2@100:AFTER_EVENT");
        assertThat(tracker.heads.get("patient-2").markedSinceSnapshot()).isTrue();
        tracker.result("patient-2", 100, Outcome.WRITTEN);
        assertThat(tracker.heads.get("patient-2").markedSinceSnapshot()).isFalse();
    }

    @Test
    @DisplayName("min-interval holds a resting stream back; the scan asks for it once the interval has passed")
    void heldBackByMinimumInterval() {
        tracker.append("ward-1", 0, 0, "PatientDischarged");
        assertThat(tracker.requested()).containsExactly("ward-1@0:AFTER_EVENT");
        tracker.result("ward-1", 0, Outcome.WRITTEN);
        tracker.append("ward-1", 1, 1, "PatientAdmitted");
        tracker.append("ward-1", 2, 2, "PatientDischarged");
        assertThat(tracker.requested()).isEmpty();
        tracker.tick(Duration.ofMinutes(9));
        assertThat(tracker.requested()).isEmpty();
        tracker.tick(Duration.ofMinutes(1));
        assertThat(tracker.requested()).containsExactly("ward-1@2:AFTER_EVENT");
    }

    @Test
    @DisplayName("a resting event seen late, below the head, still counts; one a snapshot covers does not")
    void lateEvents() {
        tracker.append("patient-3", 0, 20, "NoteAdded");
        tracker.append("patient-3", 15, 15, "PatientDischarged"); // reordered, or below a head a reconcile raised
        assertThat(tracker.requested()).containsExactly("patient-3@20:AFTER_EVENT");
        tracker.result("patient-3", 20, Outcome.WRITTEN);
        tracker.append("patient-3", 15, 15, "PatientDischarged"); // a duplicate the snapshot covers
        tracker.tick(Duration.ofHours(1));
        assertThat(tracker.requested()).isEmpty();
    }

    @Test
    @DisplayName("change events without an event type are counted per type: the connector must send the column")
    void untyped() {
        tracker.append("patient-4", 0, 3, "");
        tracker.append("plain-4", 0, 3, "");
        assertThat(tracker.requested()).isEmpty();
        assertThat(tracker.meters.get("sidecar.track.untyped.events").tag("aggregate.type", "patient").counter()
                .count()).isEqualTo(4);
        assertThat(tracker.meters.find("sidecar.track.untyped.events").tag("aggregate.type", "plain").counter())
                .as("a type that marks nothing needs no event type").isNull();
    }
}
