package dev.snapshotsidecar.observe;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Stream lengths of one aggregate type: percentiles (nearest rank) and a histogram. Immutable. */
public record LengthDistribution(long[] sorted) {
    /** Histogram bucket bounds (inclusive lower bounds); the rule's thresholds, 200 and 500, are edges. */
    static final long[] EDGES = {1, 10, 50, 100, 200, 500, 1000, 2000, 5000, 10_000};

    public LengthDistribution {
        sorted = sorted.clone();
        Arrays.sort(sorted);
    }

    public int count() {
        return sorted.length;
    }

    public long percentile(double p) {
        if (sorted.length == 0) {
            return 0;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    public long max() {
        return sorted.length == 0 ? 0 : sorted[sorted.length - 1];
    }

    /** One histogram bucket: lengths in [from, to], or from upward when {@code to} is Long.MAX_VALUE. */
    public record Bucket(long from, long to, long count) {
        public String label() {
            return to == Long.MAX_VALUE ? from + "+" : from + "-" + to;
        }
    }

    public List<Bucket> histogram() {
        List<Bucket> buckets = new ArrayList<>();
        for (int i = 0; i < EDGES.length; i++) {
            long from = EDGES[i];
            long to = i + 1 < EDGES.length ? EDGES[i + 1] - 1 : Long.MAX_VALUE;
            long count = Arrays.stream(sorted).filter(v -> v >= from && v <= to).count();
            buckets.add(new Bucket(from, to, count));
        }
        return buckets;
    }
}
