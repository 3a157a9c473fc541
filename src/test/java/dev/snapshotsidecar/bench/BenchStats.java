package dev.snapshotsidecar.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Arrays;
import java.util.List;

/** Percentiles (nearest rank) of measured milliseconds, and how they are written into results.json. */
record BenchStats(double[] sorted) {
    BenchStats {
        sorted = sorted.clone();
        Arrays.sort(sorted);
    }

    static BenchStats ofMillis(List<Double> values) {
        return new BenchStats(values.stream().mapToDouble(Double::doubleValue).toArray());
    }

    double p(double percentile) {
        if (sorted.length == 0) {
            return 0;
        }
        int rank = (int) Math.ceil(percentile / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    void into(ObjectNode node, String prefix) {
        node.put(prefix + "P50Millis", round(p(50)));
        node.put(prefix + "P95Millis", round(p(95)));
        node.put(prefix + "P99Millis", round(p(99)));
        node.put(prefix + "Samples", sorted.length);
    }

    static double round(double value) {
        return Math.round(value * 1000) / 1000.0;
    }
}
