package dev.snapshotsidecar.config;

/** {@code tracker.partitioning}: where a stream's head lives (see the configuration reference). */
public enum Partitioning implements ConfigChoice {
    /** Events are re-keyed by stream id through a repartition topic: any connector key works (the default). */
    STREAM_ID("stream-id"),
    /** Heads stay in the source topic's partition: no repartition topic, but the source must be keyed by stream id. */
    SOURCE("source");

    private final String configName;

    Partitioning(String configName) {
        this.configName = configName;
    }

    @Override
    public String configName() {
        return configName;
    }
}
