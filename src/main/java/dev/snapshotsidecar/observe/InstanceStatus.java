package dev.snapshotsidecar.observe;

import java.util.List;
import java.util.Map;

/**
 * What the status page shows of the instance that serves it, beyond its meters: where it runs, which partitions it
 * holds, the worker's limits, each type's threshold and the builds it finished lately. A value taken at one moment;
 * immutable.
 *
 * @param instance     the instance's address as other instances reach it (host:port)
 * @param trackerState the tracker's Kafka Streams state (RUNNING, REBALANCING, ...)
 * @param thresholds   each type's every-n-events threshold; absent for types due by other rules only
 */
public record InstanceStatus(String instance, String trackerState, Partitions partitions, Limits limits,
                             Map<String, Integer> thresholds, BuildHistory.View builds) {
    public InstanceStatus {
        thresholds = Map.copyOf(thresholds);
    }

    /**
     * The partitions this instance holds: the tracker's tasks (active, and standby copies) and the worker's share of
     * the requests topic.
     */
    public record Partitions(List<Integer> trackerActive, List<Integer> trackerStandby, String requestsTopic,
                             List<Integer> worker) {
        public Partitions {
            trackerActive = List.copyOf(trackerActive);
            trackerStandby = List.copyOf(trackerStandby);
            worker = List.copyOf(worker);
        }
    }

    /** The worker's limits: builds at once (worker.concurrency), builds started per second. */
    public record Limits(int concurrency, int maxBuildsPerSecond) {
    }
}
