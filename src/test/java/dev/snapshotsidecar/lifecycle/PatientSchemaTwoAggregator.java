package dev.snapshotsidecar.lifecycle;

import dev.snapshotsidecar.clinical.PatientAggregator;
import dev.snapshotsidecar.clinical.PatientState;
import dev.snapshotsidecar.fold.Aggregator;
import dev.snapshotsidecar.fold.StoredEvent;

/** The patient aggregate after a (pretend) change of its JSON form: schema version 2. */
public final class PatientSchemaTwoAggregator implements Aggregator<PatientState> {
    public static final String NAME = "test.patient-v2";
    private final PatientAggregator v1 = new PatientAggregator();

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public PatientState initialState() {
        return v1.initialState();
    }

    @Override
    public PatientState apply(PatientState state, StoredEvent event) {
        return v1.apply(state, event);
    }

    @Override
    public int schemaVersion() {
        return 2;
    }

    @Override
    public String toJson(PatientState state) {
        return v1.toJson(state);
    }

    @Override
    public PatientState fromJson(String json) {
        return v1.fromJson(json);
    }
}
