package dev.snapshotsidecar.track;

import dev.snapshotsidecar.track.policy.TypeRules;
import dev.snapshotsidecar.track.policy.NeverPolicy;
import dev.snapshotsidecar.track.policy.SnapshotPolicy;
import dev.snapshotsidecar.request.StreamPlacement;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * What the topology needs to know, taken from the configuration. Immutable.
 *
 * @param topics         the topics it reads and writes, and their partitions
 * @param types          the rules of each aggregate type; a type not in the map is never snapshotted
 * @param firstVersion   version of a stream's first event
 * @param timing         timeouts, backoffs and the bounded walks of the store
 * @param erasure        deletions of events erase their stream's snapshots
 * @param placement      which partition's task holds a stream's head, and whether events are repartitioned to it
 * @param awaitBootstrap this process made a first start that announced existing snapshots: a task sends no request
 *                       until it has read the announcements of its results partition
 */
public record TrackerSettings(Topics topics, Map<String, TypeRules> types, long firstVersion, Timing timing,
                              boolean erasure, StreamPlacement placement, boolean awaitBootstrap) {
    private static final TypeRules UNKNOWN = TypeRules.of(NeverPolicy.INSTANCE);

    /**
     * @param source     the Debezium topic(s) of the events table
     * @param partitions partitions of the repartition topic (or of the source topics, when heads stay there); equal
     *                   to those of the results and commands topics; the requests topic's first so many are used
     */
    public record Topics(List<String> source, String requests, String results, String deadLetters, String commands,
                         int partitions) {
        public Topics {
            source = List.copyOf(source);
        }
    }

    /**
     * @param requestTimeout a request with no result after this long is sent again (once the worker took it)
     * @param failureBackoff wait after a failed build or erasure, doubled per consecutive failure (at most 64 times)
     * @param scanInterval   how often the store is walked for timeouts, retries, erasures owed and idle streams
     * @param scanBatch      heads visited per walk (scan, sweep, rebuild)
     * @param rebuildBatch   rebuild requests sent per walk and type
     */
    public record Timing(Duration requestTimeout, Duration failureBackoff, Duration scanInterval, int scanBatch,
                         int rebuildBatch) {
    }

    public TrackerSettings {
        types = Map.copyOf(types);
    }

    /** Settings with a plain policy per type and the usual batches: for tests and tools. */
    public static TrackerSettings of(List<String> sourceTopics, Map<String, SnapshotPolicy> policies,
                                     long firstVersion, Duration requestTimeout, Duration failureBackoff,
                                     Duration scanInterval, int scanBatch) {
        Map<String, TypeRules> types = new java.util.HashMap<>();
        policies.forEach((type, policy) -> types.put(type, TypeRules.of(policy)));
        return new TrackerSettings(new Topics(sourceTopics, "snapshot-requests", "snapshot-results",
                "snapshot-dead-letters", "snapshot-commands", 4), types, firstVersion,
                new Timing(requestTimeout, failureBackoff, scanInterval, scanBatch, 100), true,
                new StreamPlacement.ByStreamId(), false);
    }

    public TrackerSettings withTypes(Map<String, TypeRules> rules) {
        return new TrackerSettings(topics, rules, firstVersion, timing, erasure, placement, awaitBootstrap);
    }

    /** The same settings with heads placed by {@code where}, over {@code count} partitions. */
    public TrackerSettings withPlacement(StreamPlacement where, int count) {
        return new TrackerSettings(new Topics(topics.source(), topics.requests(), topics.results(),
                topics.deadLetters(), topics.commands(), count), types, firstVersion, timing, erasure, where,
                awaitBootstrap);
    }

    /** The same settings for a process whose first start announced existing snapshots. */
    public TrackerSettings awaitingBootstrap() {
        return new TrackerSettings(topics, types, firstVersion, timing, erasure, placement, true);
    }

    public List<String> sourceTopics() {
        return topics.source();
    }

    public String requestsTopic() {
        return topics.requests();
    }

    public String resultsTopic() {
        return topics.results();
    }

    public String deadLettersTopic() {
        return topics.deadLetters();
    }

    public String commandsTopic() {
        return topics.commands();
    }

    public int partitions() {
        return topics.partitions();
    }

    public Duration requestTimeout() {
        return timing.requestTimeout();
    }

    public Duration failureBackoff() {
        return timing.failureBackoff();
    }

    public Duration scanInterval() {
        return timing.scanInterval();
    }

    public int scanBatch() {
        return timing.scanBatch();
    }

    public int rebuildBatch() {
        return timing.rebuildBatch();
    }

    TypeRules rules(String aggregateType) {
        return types.getOrDefault(aggregateType, UNKNOWN);
    }
}
