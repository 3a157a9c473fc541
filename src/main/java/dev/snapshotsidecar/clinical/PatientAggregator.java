package dev.snapshotsidecar.clinical;

import com.fasterxml.jackson.databind.JsonNode;
import dev.snapshotsidecar.fold.Aggregator;
import dev.snapshotsidecar.fold.StoredEvent;
import dev.snapshotsidecar.fold.UnknownEventTypeException;

import static dev.snapshotsidecar.clinical.ClinicalJson.text;

/**
 * The Patient aggregate: registered, admitted, transferred between wards, allergies and diagnoses recorded, vital
 * signs and notes taken, discharged. Stateless and thread-safe. An unknown event type fails the fold.
 */
public final class PatientAggregator implements Aggregator<PatientState> {
    public static final String NAME = "clinical.patient";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public PatientState initialState() {
        return PatientState.empty();
    }

    @Override
    public PatientState apply(PatientState state, StoredEvent event) {
        JsonNode data = ClinicalJson.read(event.data());
        return switch (event.eventType()) {
            case "PatientRegistered" -> state.registered(text(data, "patientId"), text(data, "name"),
                    text(data, "dateOfBirth"));
            case "PatientAdmitted" -> state.admitted(text(data, "ward"), text(data, "bed"), text(data, "at"));
            case "WardTransferred" -> state.transferred(text(data, "toWard"), text(data, "bed"));
            case "AllergyRecorded" -> state.withAllergy(text(data, "substance"));
            case "DiagnosisRecorded" -> state.withDiagnosis(text(data, "code"));
            case "VitalSignsRecorded" -> state.withVitals(text(data, "heartRate") + "bpm "
                    + text(data, "bloodPressure") + " " + text(data, "temperature") + "C");
            case "ClinicalNoteAdded" -> state.withNote();
            case "PatientDischarged" -> state.discharged(text(data, "at"));
            default -> throw new UnknownEventTypeException(NAME, event.eventType());
        };
    }

    @Override
    public int schemaVersion() {
        return 1;
    }

    @Override
    public String toJson(PatientState state) {
        return ClinicalJson.write(state);
    }

    @Override
    public PatientState fromJson(String json) {
        return ClinicalJson.read(json, PatientState.class);
    }
}
