package dev.snapshotsidecar.clinical;

/**
 * A prescription's current state. Immutable; empty strings stand for "none".
 *
 * @param status NEW, ACTIVE, PAUSED or DISCONTINUED
 */
public record PrescriptionState(String prescriptionId, String patientId, String drug, String dose, String unit,
                                String frequency, String prescriber, String status, int doseChanges,
                                int administrations, String lastAdministeredAt, String statusReason) {

    static PrescriptionState empty() {
        return new PrescriptionState("", "", "", "", "", "", "", "NEW", 0, 0, "", "");
    }

    PrescriptionState prescribed(String id, String patient, String drugName, String newDose, String newUnit,
                                 String newFrequency, String by) {
        return new PrescriptionState(id, patient, drugName, newDose, newUnit, newFrequency, by, "ACTIVE", 0, 0, "", "");
    }

    PrescriptionState doseChanged(String newDose, String newUnit, String reason) {
        return new PrescriptionState(prescriptionId, patientId, drug, newDose, newUnit, frequency, prescriber, status,
                doseChanges + 1, administrations, lastAdministeredAt, reason);
    }

    PrescriptionState administered(String at) {
        if (!"ACTIVE".equals(status)) {
            throw new IllegalStateException("dose administered while " + status);
        }
        return new PrescriptionState(prescriptionId, patientId, drug, dose, unit, frequency, prescriber, status,
                doseChanges, administrations + 1, at, statusReason);
    }

    PrescriptionState withStatus(String newStatus, String reason) {
        return new PrescriptionState(prescriptionId, patientId, drug, dose, unit, frequency, prescriber, newStatus,
                doseChanges, administrations, lastAdministeredAt, reason);
    }
}
