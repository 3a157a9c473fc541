package dev.snapshotsidecar.demo;

import java.util.Locale;

/** How the demo folds prescriptions (patients always by the built-in Java aggregator). */
public enum DemoFold {
    /** The built-in Java aggregator, clinical.prescription. */
    JAVA,
    /** The Node.js reference host of examples/fold-host-node, run as a real process, over HTTP. */
    HTTP,
    /** The JSONata expressions of examples/jsonata/prescription.yaml. */
    JSONATA;

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
