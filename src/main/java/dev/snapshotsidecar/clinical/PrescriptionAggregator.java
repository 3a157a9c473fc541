package dev.snapshotsidecar.clinical;

import com.fasterxml.jackson.databind.JsonNode;
import dev.snapshotsidecar.fold.Aggregator;
import dev.snapshotsidecar.fold.StoredEvent;
import dev.snapshotsidecar.fold.UnknownEventTypeException;

import static dev.snapshotsidecar.clinical.ClinicalJson.text;

/**
 * The Prescription aggregate: prescribed, dose changed, administered, paused, resumed, discontinued. A dose
 * administered while the prescription is not active fails the fold, as the service's aggregate would refuse it.
 * Stateless and thread-safe.
 */
public final class PrescriptionAggregator implements Aggregator<PrescriptionState> {
    public static final String NAME = "clinical.prescription";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public PrescriptionState initialState() {
        return PrescriptionState.empty();
    }

    @Override
    public PrescriptionState apply(PrescriptionState state, StoredEvent event) {
        JsonNode data = ClinicalJson.read(event.data());
        return switch (event.eventType()) {
            case "PrescriptionCreated" -> state.prescribed(text(data, "prescriptionId"), text(data, "patientId"),
                    text(data, "drug"), text(data, "dose"), text(data, "unit"), text(data, "frequency"),
                    text(data, "prescriber"));
            case "DoseChanged" -> state.doseChanged(text(data, "dose"), text(data, "unit"), text(data, "reason"));
            case "DoseAdministered" -> state.administered(text(data, "at"));
            case "PrescriptionPaused" -> state.withStatus("PAUSED", text(data, "reason"));
            case "PrescriptionResumed" -> state.withStatus("ACTIVE", "");
            case "PrescriptionDiscontinued" -> state.withStatus("DISCONTINUED", text(data, "reason"));
            default -> throw new UnknownEventTypeException(NAME, event.eventType());
        };
    }

    @Override
    public int schemaVersion() {
        return 1;
    }

    @Override
    public String toJson(PrescriptionState state) {
        return ClinicalJson.write(state);
    }

    @Override
    public PrescriptionState fromJson(String json) {
        return ClinicalJson.read(json, PrescriptionState.class);
    }
}
