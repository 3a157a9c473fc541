package dev.snapshotsidecar.build;

import dev.snapshotsidecar.config.SidecarConfig;

import java.util.HashMap;
import java.util.Map;

/**
 * How one aggregate type's snapshots are built: the aggregator that folds them, how many are kept per stream, and
 * the largest one written.
 */
public record BuildRules(String aggregator, int keepSnapshots, long maxSnapshotBytes) {

    public static Map<String, BuildRules> byType(SidecarConfig config) {
        Map<String, BuildRules> rules = new HashMap<>();
        config.aggregateTypes().forEach(t -> rules.put(t.name(),
                new BuildRules(t.aggregator(), t.keepSnapshots(), t.maxSnapshotBytes())));
        return rules;
    }
}
