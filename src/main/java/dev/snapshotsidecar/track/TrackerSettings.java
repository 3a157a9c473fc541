package dev.snapshotsidecar.track;

import dev.snapshotsidecar.track.policy.TypeRules;
import dev.snapshotsidecar.track.policy.NeverPolicy;
import dev.snapshotsidecar.track.policy.SnapshotPolicy;
import dev.snapshotsidecar.request.StreamPlacement;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * What the topology needs to know, taken from the configuration.
 *
 * @param sourceTopics   the Debezium topic(s) of the events table
 * @param partitions     partitions of the repartition topic (or of the source topics, when heads stay there); equal
 *                       to those of the results and commands topics
 * @param types          the rules of each aggregate type; a type not in the map is never snapshotted
 * @param firstVersion   version of a stream's first event
 * @param requestTimeout a request with no result after this long is sent again
 * @param failureBackoff wait after a failed build, doubled per consecutive failure (at most 64 times)
 * @param scanInterval   how often the store is walked for timeouts and retries
 * @param scanBatch      heads visited per walk (scan, sweep, rebuild)
 * @param rebuildBatch   rebuild requests sent per walk and type
 * @param erasure        deletions of events erase their stream's snapshots and head
 * @param placement      which partition's task holds a stream's head, and whether events are repartitioned to it
 * @param awaitBootstrap this process made a first start that announced existing snapshots: a task sends no request
 *                       until it has read the announcements of its results partition
 */
public record TrackerSettings(List<String> sourceTopics, String requestsTopic, String resultsTopic,
                              String deadLettersTopic, String commandsTopic, int partitions, Map<String, TypeRules> types,
                              long firstVersion, Duration requestTimeout, Duration failureBackoff,
                              Duration scanInterval, int scanBatch, int rebuildBatch, boolean erasure,
                              StreamPlacement placement, boolean awaitBootstrap) {
    private static final TypeRules UNKNOWN = TypeRules.of(NeverPolicy.INSTANCE);

    public TrackerSettings {
        sourceTopics = List.copyOf(sourceTopics);
        types = Map.copyOf(types);
    }

    /** Settings with a plain policy per type and the usual batches: for tests and tools. */
    public static TrackerSettings of(List<String> sourceTopics, Map<String, SnapshotPolicy> policies,
                                     long firstVersion, Duration requestTimeout, Duration failureBackoff,
                                     Duration scanInterval, int scanBatch) {
        Map<String, TypeRules> types = new java.util.HashMap<>();
        policies.forEach((type, policy) -> types.put(type, TypeRules.of(policy)));
        return new TrackerSettings(sourceTopics, "snapshot-requests", "snapshot-results", "snapshot-dead-letters",
                "snapshot-commands", 4, types, firstVersion, requestTimeout, failureBackoff, scanInterval, scanBatch,
                100, true, new StreamPlacement.ByStreamId(), false);
    }

    public TrackerSettings withTypes(Map<String, TypeRules> rules) {
        return new TrackerSettings(sourceTopics, requestsTopic, resultsTopic, deadLettersTopic, commandsTopic,
                partitions, rules, firstVersion, requestTimeout, failureBackoff, scanInterval, scanBatch, rebuildBatch,
                erasure, placement, awaitBootstrap);
    }

    /** The same settings with heads placed by {@code where}, over {@code count} partitions. */
    public TrackerSettings withPlacement(StreamPlacement where, int count) {
        return new TrackerSettings(sourceTopics, requestsTopic, resultsTopic, deadLettersTopic, commandsTopic,
                count, types, firstVersion, requestTimeout, failureBackoff, scanInterval, scanBatch, rebuildBatch,
                erasure, where, awaitBootstrap);
    }

    /** The same settings for a process whose first start announced existing snapshots. */
    public TrackerSettings awaitingBootstrap() {
        return new TrackerSettings(sourceTopics, requestsTopic, resultsTopic, deadLettersTopic, commandsTopic,
                partitions, types, firstVersion, requestTimeout, failureBackoff, scanInterval, scanBatch, rebuildBatch,
                erasure, placement, true);
    }

    TypeRules rules(String aggregateType) {
        return types.getOrDefault(aggregateType, UNKNOWN);
    }
}
