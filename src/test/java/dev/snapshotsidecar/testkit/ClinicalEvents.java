package dev.snapshotsidecar.testkit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.snapshotsidecar.store.EventAppender.NewEvent;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Random;

/**
 * Writes a plausible clinical history for one stream, event by event, with payloads of a few hundred bytes as a
 * real service's are. Deterministic for a seed; not thread-safe (one per stream).
 */
public final class ClinicalEvents {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> WARDS = List.of("Cardiology", "Oncology", "Respiratory", "Orthopaedics",
            "Neurology", "Geriatrics", "Renal", "Acute Medical Unit");
    private static final List<String> ALLERGIES = List.of("penicillin", "latex", "sulfonamides", "aspirin",
            "ibuprofen", "codeine", "iodine contrast", "peanuts");
    private static final List<String> DIAGNOSES = List.of("I10", "E11.9", "J44.1", "N18.3", "I48.0", "F03",
            "M17.1", "C34.9", "I50.9", "J18.9");
    private static final List<String> DRUGS = List.of("amoxicillin", "metformin", "atorvastatin", "lisinopril",
            "warfarin", "furosemide", "omeprazole", "paracetamol");
    private static final List<String> STAFF = List.of("Dr A. Okafor", "Dr M. Lindqvist", "Nurse P. Sharma",
            "Nurse J. Byrne", "Dr S. Tanaka", "Nurse L. Moreau");
    private static final String NOTE = "Patient reviewed on ward round; observations stable, pain controlled, "
            + "mobilising with assistance. Plan discussed with patient and family; continue current management "
            + "and review bloods in the morning.";

    private final String streamId;
    private final boolean patient;
    private final Random random;
    private long version;
    private String status = "NEW";
    private Instant clock = Instant.parse("2021-01-04T08:00:00Z");

    /**
     * @param streamId     {@code patient-…} or {@code prescription-…}
     * @param firstVersion version of the stream's first event
     */
    public ClinicalEvents(String streamId, long firstVersion, long seed) {
        this.streamId = streamId;
        this.patient = streamId.startsWith("patient-");
        this.random = new Random(seed);
        this.version = firstVersion;
    }

    public NewEvent next() {
        clock = clock.plus(1 + random.nextInt(36 * 60), ChronoUnit.MINUTES);
        NewEvent event = patient ? nextPatientEvent() : nextPrescriptionEvent();
        version++;
        return event;
    }

    private NewEvent nextPatientEvent() {
        ObjectNode data = JSON.createObjectNode();
        String type;
        if ("NEW".equals(status)) {
            type = "PatientRegistered";
            data.put("patientId", streamId.substring("patient-".length()));
            data.put("name", "Patient " + streamId.substring("patient-".length()));
            data.put("dateOfBirth", (1930 + random.nextInt(80)) + "-0" + (1 + random.nextInt(9)) + "-1"
                    + random.nextInt(9));
            data.put("nhsNumber", String.format("%010d", Math.abs(random.nextLong()) % 10_000_000_000L));
            status = "REGISTERED";
        } else if (!"ADMITTED".equals(status)) {
            type = "PatientAdmitted";
            data.put("ward", pick(WARDS));
            data.put("bed", "B" + (1 + random.nextInt(30)));
            data.put("at", clock.toString());
            data.put("reason", "Referred by GP: " + pick(DIAGNOSES));
            status = "ADMITTED";
        } else {
            int roll = random.nextInt(100);
            if (roll < 4) {
                type = "PatientDischarged";
                data.put("at", clock.toString());
                data.put("outcome", "Discharged home with follow-up in clinic");
                status = "DISCHARGED";
            } else if (roll < 12) {
                type = "WardTransferred";
                data.put("toWard", pick(WARDS));
                data.put("bed", "B" + (1 + random.nextInt(30)));
                data.put("reason", "Bed management: specialist care required");
            } else if (roll < 16) {
                type = "AllergyRecorded";
                data.put("substance", pick(ALLERGIES));
                data.put("severity", random.nextBoolean() ? "moderate" : "severe");
            } else if (roll < 22) {
                type = "DiagnosisRecorded";
                data.put("code", pick(DIAGNOSES));
                data.put("system", "ICD-10");
            } else if (roll < 60) {
                type = "VitalSignsRecorded";
                data.put("heartRate", Integer.toString(55 + random.nextInt(60)));
                data.put("bloodPressure", (100 + random.nextInt(60)) + "/" + (60 + random.nextInt(30)));
                data.put("temperature", (36 + random.nextInt(3)) + "." + random.nextInt(10));
                data.put("respiratoryRate", 12 + random.nextInt(10));
                data.put("oxygenSaturation", 90 + random.nextInt(10));
            } else {
                type = "ClinicalNoteAdded";
                data.put("text", NOTE);
            }
        }
        return event(type, data);
    }

    private NewEvent nextPrescriptionEvent() {
        ObjectNode data = JSON.createObjectNode();
        String type;
        int roll = random.nextInt(100);
        if ("NEW".equals(status) || "DISCONTINUED".equals(status)) {
            type = "PrescriptionCreated";
            data.put("prescriptionId", streamId.substring("prescription-".length()));
            data.put("patientId", Integer.toString(random.nextInt(100_000)));
            data.put("drug", pick(DRUGS));
            data.put("dose", Integer.toString(5 * (1 + random.nextInt(100))));
            data.put("unit", "mg");
            data.put("frequency", random.nextBoolean() ? "twice daily" : "once daily");
            data.put("prescriber", pick(STAFF));
            data.put("indication", "Per treatment plan for " + pick(DIAGNOSES));
            status = "ACTIVE";
        } else if ("PAUSED".equals(status)) {
            if (roll < 70) {
                type = "PrescriptionResumed";
                status = "ACTIVE";
            } else {
                type = "DoseChanged";
                data.put("dose", Integer.toString(5 * (1 + random.nextInt(100))));
                data.put("unit", "mg");
                data.put("reason", "Renal function review");
            }
        } else if (roll < 2) {
            type = "PrescriptionDiscontinued";
            data.put("reason", "Course completed");
            status = "DISCONTINUED";
        } else if (roll < 6) {
            type = "PrescriptionPaused";
            data.put("reason", "Nil by mouth before procedure");
            status = "PAUSED";
        } else if (roll < 14) {
            type = "DoseChanged";
            data.put("dose", Integer.toString(5 * (1 + random.nextInt(100))));
            data.put("unit", "mg");
            data.put("reason", "Titrated to response");
        } else {
            type = "DoseAdministered";
            data.put("at", clock.toString());
            data.put("nurse", pick(STAFF));
            data.put("route", "oral");
            data.put("batch", "LOT" + (10_000 + random.nextInt(89_999)));
        }
        return event(type, data);
    }

    private NewEvent event(String type, ObjectNode data) {
        data.put("recordedBy", pick(STAFF));
        data.put("recordedAt", clock.toString());
        data.put("site", "St Elsewhere General Hospital, " + pick(WARDS) + " wing");
        return new NewEvent(streamId, version, type, data.toString());
    }

    private String pick(List<String> values) {
        return values.get(random.nextInt(values.size()));
    }
}
