package dev.snapshotsidecar.demo;

import java.util.Arrays;

/** Percentiles of measured durations (nearest rank). Immutable. */
public record Latencies(double[] sortedMillis) {
    public Latencies {
        sortedMillis = sortedMillis.clone();
        Arrays.sort(sortedMillis);
    }

    public double percentile(double p) {
        if (sortedMillis.length == 0) {
            return 0;
        }
        int rank = (int) Math.ceil(p / 100.0 * sortedMillis.length);
        return sortedMillis[Math.max(0, Math.min(sortedMillis.length - 1, rank - 1))];
    }
}
