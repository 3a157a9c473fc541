package dev.snapshotsidecar.clinical;

import dev.snapshotsidecar.fold.AggregatorRegistry;
import dev.snapshotsidecar.testkit.ClinicalEvents;
import dev.snapshotsidecar.fold.StoredEvent;
import dev.snapshotsidecar.fold.UnknownEventTypeException;
import dev.snapshotsidecar.store.EventAppender.NewEvent;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ClinicalAggregatorsTest {
    final PatientAggregator patients = new PatientAggregator();
    final PrescriptionAggregator prescriptions = new PrescriptionAggregator();

    static StoredEvent event(String streamId, long version, String type, String data) {
        return new StoredEvent(streamId, version, type, data, Optional.empty(), Instant.EPOCH);
    }

    static List<StoredEvent> history(String streamId, int length) {
        ClinicalEvents script = new ClinicalEvents(streamId, 0, 7);
        List<StoredEvent> events = new ArrayList<>();
        for (int i = 0; i < length; i++) {
            NewEvent e = script.next();
            events.add(event(e.streamId(), e.version(), e.eventType(), e.data()));
        }
        return events;
    }

    @Test
    @DisplayName("a patient is registered, admitted, transferred, given allergies and discharged")
    void patientLifecycle() {
        PatientState s = patients.initialState();
        s = patients.apply(s, event("patient-1", 0, "PatientRegistered",
                "{\"patientId\":\"1\",\"name\":\"Ada\",\"dateOfBirth\":\"1950-01-02\"}"));
        s = patients.apply(s, event("patient-1", 1, "PatientAdmitted", "{\"ward\":\"Renal\",\"bed\":\"B4\",\"at\":\"t1\"}"));
        s = patients.apply(s, event("patient-1", 2, "WardTransferred", "{\"toWard\":\"Cardiology\",\"bed\":\"B9\"}"));
        s = patients.apply(s, event("patient-1", 3, "AllergyRecorded", "{\"substance\":\"penicillin\"}"));
        s = patients.apply(s, event("patient-1", 4, "AllergyRecorded", "{\"substance\":\"latex\"}"));
        s = patients.apply(s, event("patient-1", 5, "AllergyRecorded", "{\"substance\":\"penicillin\"}"));
        assertThat(s.status()).isEqualTo("ADMITTED");
        assertThat(s.ward()).isEqualTo("Cardiology");
        assertThat(s.allergies()).containsExactly("latex", "penicillin");
        s = patients.apply(s, event("patient-1", 6, "PatientDischarged", "{\"at\":\"t2\"}"));
        assertThat(s.status()).isEqualTo("DISCHARGED");
        assertThat(s.ward()).isEmpty();
        assertThat(s.admissions()).isEqualTo(1);
        assertThat(s.wardTransfers()).isEqualTo(1);
    }

    @Test
    @DisplayName("a prescription refuses a dose while paused, as the service's aggregate would")
    void prescriptionPaused() {
        PrescriptionState s = prescriptions.apply(prescriptions.initialState(), event("prescription-1", 0,
                "PrescriptionCreated", "{\"prescriptionId\":\"1\",\"patientId\":\"9\",\"drug\":\"warfarin\","
                        + "\"dose\":\"5\",\"unit\":\"mg\",\"frequency\":\"daily\",\"prescriber\":\"Dr X\"}"));
        s = prescriptions.apply(s, event("prescription-1", 1, "DoseAdministered", "{\"at\":\"t1\"}"));
        s = prescriptions.apply(s, event("prescription-1", 2, "DoseChanged",
                "{\"dose\":\"7\",\"unit\":\"mg\",\"reason\":\"INR low\"}"));
        s = prescriptions.apply(s, event("prescription-1", 3, "PrescriptionPaused", "{\"reason\":\"surgery\"}"));
        PrescriptionState paused = s;
        assertThatThrownBy(() -> prescriptions.apply(paused, event("prescription-1", 4, "DoseAdministered",
                "{\"at\":\"t2\"}"))).isInstanceOf(IllegalStateException.class);
        s = prescriptions.apply(s, event("prescription-1", 4, "PrescriptionResumed", "{}"));
        assertThat(s.status()).isEqualTo("ACTIVE");
        assertThat(s.dose()).isEqualTo("7");
        assertThat(s.administrations()).isEqualTo(1);
        assertThat(s.doseChanges()).isEqualTo(1);
    }

    @Test
    @DisplayName("an unknown event type fails the fold instead of being skipped")
    void unknownType() {
        assertThatThrownBy(() -> patients.apply(patients.initialState(), event("patient-1", 0, "PatientCloned", "{}")))
                .isInstanceOfSatisfying(UnknownEventTypeException.class,
                        e -> assertThat(e.eventType()).isEqualTo("PatientCloned"));
    }

    @Test
    @DisplayName("a state read back from its JSON folds on exactly as the original")
    void jsonRoundTrip() {
        for (String stream : List.of("patient-00001", "prescription-00002")) {
            List<StoredEvent> events = history(stream, 400);
            if (stream.startsWith("patient")) {
                PatientState full = patients.initialState();
                PatientState resumed = patients.initialState();
                for (int i = 0; i < events.size(); i++) {
                    full = patients.apply(full, events.get(i));
                    resumed = patients.apply(resumed, events.get(i));
                    if (i % 50 == 0) {
                        resumed = patients.fromJson(patients.toJson(resumed));
                    }
                }
                assertThat(patients.toJson(resumed)).isEqualTo(patients.toJson(full));
            } else {
                PrescriptionState full = prescriptions.initialState();
                PrescriptionState resumed = prescriptions.initialState();
                for (int i = 0; i < events.size(); i++) {
                    full = prescriptions.apply(full, events.get(i));
                    resumed = prescriptions.apply(resumed, events.get(i));
                    if (i % 50 == 0) {
                        resumed = prescriptions.fromJson(prescriptions.toJson(resumed));
                    }
                }
                assertThat(prescriptions.toJson(resumed)).isEqualTo(prescriptions.toJson(full));
            }
        }
    }

    @Test
    @DisplayName("the generated workload folds without error and its payloads are a few hundred bytes")
    void workloadIsFoldable() {
        List<StoredEvent> events = history("prescription-00003", 1000);
        PrescriptionState s = prescriptions.initialState();
        for (StoredEvent e : events) {
            s = prescriptions.apply(s, e);
        }
        assertThat(s.status()).isNotEqualTo("NEW");
        double meanBytes = events.stream().mapToInt(e -> e.data().length()).average().orElse(0);
        assertThat(meanBytes).isBetween(150.0, 800.0);
    }

    @Test
    @DisplayName("both clinical aggregators are found through ServiceLoader")
    void serviceLoader() {
        assertThat(AggregatorRegistry.load(Optional.empty()).names())
                .contains(PatientAggregator.NAME, PrescriptionAggregator.NAME);
    }
}
