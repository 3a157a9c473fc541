package dev.snapshotsidecar.build;

import dev.snapshotsidecar.config.SidecarConfig;

import java.util.HashMap;
import java.util.Map;

/**
 * How one aggregate type's snapshots are kept: how many per stream, and the largest one written. Its fold is in
 * {@link Folds}.
 */
public record BuildRules(int keepSnapshots, long maxSnapshotBytes) {

    public static Map<String, BuildRules> byType(SidecarConfig config) {
        Map<String, BuildRules> rules = new HashMap<>();
        config.aggregateTypes().forEach(t -> rules.put(t.name(), new BuildRules(t.keepSnapshots(),
                t.maxSnapshotBytes())));
        return rules;
    }
}
