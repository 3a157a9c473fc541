package dev.snapshotsidecar.fold;

import java.util.Locale;

/** The ways a state can be computed: one per aggregate type, chosen in the configuration. */
public enum FoldKind {
    /** An {@link Aggregator} plugin in this JVM ({@code aggregator: <name>}). */
    JAVA,
    /** The service's own fold, called over HTTP ({@code fold.http.*}). */
    HTTP,
    /** One JSONata expression per event type, in the configuration ({@code fold.jsonata.*}). */
    JSONATA;

    /** The kind as configuration, logs and reports name it: {@code java}, {@code http}, {@code jsonata}. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
