package dev.snapshotsidecar.config;

/**
 * {@code kafka.processing-guarantee}: the tracker's Kafka Streams processing guarantee. The configuration names are
 * Kafka Streams' own values of {@code processing.guarantee}, passed to it unchanged.
 */
public enum ProcessingGuarantee implements ConfigChoice {
    /** Tracker state changes exactly once (the default; see docs/how-it-works.md, "Guarantees"). */
    EXACTLY_ONCE_V2("exactly_once_v2"),
    AT_LEAST_ONCE("at_least_once");

    private final String configName;

    ProcessingGuarantee(String configName) {
        this.configName = configName;
    }

    @Override
    public String configName() {
        return configName;
    }
}
