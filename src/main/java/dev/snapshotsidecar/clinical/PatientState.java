package dev.snapshotsidecar.clinical;

import java.util.ArrayList;
import java.util.List;

/**
 * A patient's current state, as the service's Patient aggregate holds it. Immutable; empty strings stand for "none"
 * so the JSON form stays flat and stable.
 *
 * @param status REGISTERED, ADMITTED or DISCHARGED
 */
public record PatientState(String patientId, String name, String dateOfBirth, String status, String ward,
                           String bed, List<String> allergies, List<String> diagnoses, int admissions,
                           int wardTransfers, int notes, int vitalSigns, String lastVitals, String lastAdmittedAt,
                           String lastDischargedAt) {
    public PatientState {
        allergies = List.copyOf(allergies);
        diagnoses = List.copyOf(diagnoses);
    }

    static PatientState empty() {
        return new PatientState("", "", "", "NEW", "", "", List.of(), List.of(), 0, 0, 0, 0, "", "", "");
    }

    PatientState registered(String id, String patientName, String born) {
        return new PatientState(id, patientName, born, "REGISTERED", ward, bed, allergies, diagnoses, admissions,
                wardTransfers, notes, vitalSigns, lastVitals, lastAdmittedAt, lastDischargedAt);
    }

    PatientState admitted(String toWard, String toBed, String at) {
        return new PatientState(patientId, name, dateOfBirth, "ADMITTED", toWard, toBed, allergies, diagnoses,
                admissions + 1, wardTransfers, notes, vitalSigns, lastVitals, at, lastDischargedAt);
    }

    PatientState transferred(String toWard, String toBed) {
        return new PatientState(patientId, name, dateOfBirth, status, toWard, toBed, allergies, diagnoses, admissions,
                wardTransfers + 1, notes, vitalSigns, lastVitals, lastAdmittedAt, lastDischargedAt);
    }

    PatientState discharged(String at) {
        return new PatientState(patientId, name, dateOfBirth, "DISCHARGED", "", "", allergies, diagnoses, admissions,
                wardTransfers, notes, vitalSigns, lastVitals, lastAdmittedAt, at);
    }

    PatientState withAllergy(String substance) {
        if (allergies.contains(substance)) {
            return this;
        }
        List<String> next = new ArrayList<>(allergies);
        next.add(substance);
        next.sort(null);
        return new PatientState(patientId, name, dateOfBirth, status, ward, bed, next, diagnoses, admissions,
                wardTransfers, notes, vitalSigns, lastVitals, lastAdmittedAt, lastDischargedAt);
    }

    PatientState withDiagnosis(String code) {
        if (diagnoses.contains(code)) {
            return this;
        }
        List<String> next = new ArrayList<>(diagnoses);
        next.add(code);
        next.sort(null);
        return new PatientState(patientId, name, dateOfBirth, status, ward, bed, allergies, next, admissions,
                wardTransfers, notes, vitalSigns, lastVitals, lastAdmittedAt, lastDischargedAt);
    }

    PatientState withNote() {
        return new PatientState(patientId, name, dateOfBirth, status, ward, bed, allergies, diagnoses, admissions,
                wardTransfers, notes + 1, vitalSigns, lastVitals, lastAdmittedAt, lastDischargedAt);
    }

    PatientState withVitals(String summary) {
        return new PatientState(patientId, name, dateOfBirth, status, ward, bed, allergies, diagnoses, admissions,
                wardTransfers, notes, vitalSigns + 1, summary, lastAdmittedAt, lastDischargedAt);
    }
}
