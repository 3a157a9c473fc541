package dev.snapshotsidecar.track;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * What the topology needs to know, taken from the configuration.
 *
 * @param sourceTopics   the Debezium topic(s) of the events table
 * @param partitions     partitions of the repartition topic; equal to those of the results topic
 * @param policies       the snapshot policy of each aggregate type; a type not in the map is never snapshotted
 * @param firstVersion   version of a stream's first event
 * @param requestTimeout a request with no result after this long is sent again
 * @param failureBackoff wait after a failed build, doubled per consecutive failure (at most 64 times)
 * @param scanInterval   how often the store is walked for timeouts and retries
 * @param scanBatch      heads visited per walk
 */
public record TrackerSettings(List<String> sourceTopics, String requestsTopic, String resultsTopic,
                              String deadLettersTopic, int partitions, Map<String, SnapshotPolicy> policies,
                              long firstVersion, Duration requestTimeout, Duration failureBackoff,
                              Duration scanInterval, int scanBatch) {
    public TrackerSettings {
        sourceTopics = List.copyOf(sourceTopics);
        policies = Map.copyOf(policies);
    }

    SnapshotPolicy policy(String aggregateType) {
        return policies.getOrDefault(aggregateType, NeverPolicy.INSTANCE);
    }
}
