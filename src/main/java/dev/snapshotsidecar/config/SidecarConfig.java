package dev.snapshotsidecar.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The whole configuration, parsed and validated by {@link ConfigLoader}. Immutable; every value is typed and every
 * default already applied.
 *
 * @param effective the effective configuration as {@code key = value} lines with secrets masked, for the start-up log
 */
public record SidecarConfig(Kafka kafka, Topics topics, Database database, List<AggregateType> aggregateTypes,
                            Ingest ingest, Tracker tracker, Worker worker, Optional<Path> pluginDirectory,
                            List<String> effective) {

    public SidecarConfig {
        aggregateTypes = List.copyOf(aggregateTypes);
        effective = List.copyOf(effective);
    }

    /** How the sidecar reaches Kafka. {@code properties} are client properties passed through unchanged. */
    public record Kafka(String bootstrapServers, String applicationId, String processingGuarantee, Path stateDir,
                        int replicationFactor, Map<String, String> properties) {
        public Kafka {
            properties = Map.copyOf(properties);
        }
    }

    /** Topic names; {@code partitions} applies to the topics the sidecar creates. */
    public record Topics(List<String> source, String requests, String results, String deadLetters, int partitions) {
        public Topics {
            source = List.copyOf(source);
        }
    }

    /** The event store and the mapping of its events table. */
    public record Database(String dialect, String jdbcUrl, String user, Optional<String> password, String schema,
                           String eventsTable, String snapshotsTable, Columns columns, long firstVersion,
                           int poolSize, int fetchSize) {
        @Override
        public String toString() {
            return "Database[" + dialect + " " + jdbcUrl + " as " + user + "]";
        }
    }

    /** Column names of the events table. */
    public record Columns(String globalPosition, String streamId, String streamVersion, String eventType,
                          String eventData, String metadata, String createdAt, Optional<String> aggregateType) {
    }

    /**
     * One aggregate type: how its streams are recognised (a pattern on the stream id, or a value of the type
     * column), when a snapshot is due, and which aggregator folds it.
     */
    public record AggregateType(String name, Optional<Pattern> streamIdPattern, Optional<String> typeColumnValue,
                                String aggregator, int everyNEvents) {
    }

    /** How change events are read; {@code timestampUnit} is one of auto, nanoseconds, microseconds, milliseconds. */
    public record Ingest(String timestampUnit) {
    }

    /** The tracker's timings. */
    public record Tracker(Duration requestTimeout, Duration failureBackoff, Duration scanInterval, int scanBatch) {
    }

    /** The builder's concurrency and retry timings. */
    public record Worker(int concurrency, Duration retryInitialBackoff, Duration retryGiveUpAfter) {
    }
}
