package dev.snapshotsidecar.config;

/** {@code tracker.partitioning}: where a stream's head lives (see the configuration reference). */
public enum Partitioning implements ConfigChoice {
    /**
     * The tracker's first start samples the source topics and takes {@link #SOURCE} when they are keyed and
     * partitioned as the connector files key them, {@link #STREAM_ID} otherwise; later starts keep that choice (the
     * default).
     */
    AUTO("auto"),
    /** Events are re-keyed by stream id through a repartition topic: any connector key works. */
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
