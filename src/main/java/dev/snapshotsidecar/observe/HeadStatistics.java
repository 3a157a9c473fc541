package dev.snapshotsidecar.observe;

import dev.snapshotsidecar.track.HeadsQuery;
import dev.snapshotsidecar.track.StreamHead;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Per aggregate type, from the heads this instance holds: stream lengths, events since the latest snapshot, and how
 * long ago the latest snapshot was written; and the erasures owed (deleted streams whose snapshots the database has
 * not yet confirmed gone), with how long the oldest of them has been owed. Computed on demand from the store (off
 * the stream threads).
 *
 * @param oldestErasureSeconds how long the oldest erasure owed has been owed, in seconds; 0 when none is
 */
public record HeadStatistics(Map<String, LengthDistribution> lengths, Map<String, LengthDistribution> tails,
                             Map<String, LengthDistribution> stalenessSeconds, long erasuresPending,
                             long oldestErasureSeconds) {

    public HeadStatistics(Map<String, LengthDistribution> lengths, Map<String, LengthDistribution> tails,
                          Map<String, LengthDistribution> stalenessSeconds) {
        this(lengths, tails, stalenessSeconds, 0, 0);
    }

    public static HeadStatistics collect(HeadsQuery heads, long firstVersion, long nowMillis) {
        Map<String, List<Long>> lengths = new HashMap<>();
        Map<String, List<Long>> tails = new HashMap<>();
        Map<String, List<Long>> staleness = new HashMap<>();
        long[] erasing = {0, 0}; // how many, the oldest's age in seconds
        heads.forEachLocal((id, head) -> {
            if (head.erasing()) {
                erasing[0]++;
                erasing[1] = Math.max(erasing[1], (nowMillis - head.erasure().sinceMillis()) / 1000);
            }
            if (head.erasure().state() != StreamHead.ErasureState.NONE || head.aggregateType().isEmpty()) {
                return;
            }
            lengths.computeIfAbsent(head.aggregateType(), t -> new ArrayList<>())
                    .add(head.headVersion() - firstVersion + 1);
            tails.computeIfAbsent(head.aggregateType(), t -> new ArrayList<>()).add(head.eventsSinceSnapshot(firstVersion));
            if (head.snapshotVersion() != StreamHead.NONE && head.lastSnapshotMillis() > 0) {
                staleness.computeIfAbsent(head.aggregateType(), t -> new ArrayList<>())
                        .add((nowMillis - head.lastSnapshotMillis()) / 1000);
            }
        });
        return new HeadStatistics(distributions(lengths), distributions(tails), distributions(staleness), erasing[0],
                erasing[1]);
    }

    static Map<String, LengthDistribution> distributions(Map<String, List<Long>> values) {
        Map<String, LengthDistribution> result = new HashMap<>();
        values.forEach((type, list) -> result.put(type,
                new LengthDistribution(list.stream().mapToLong(Long::longValue).toArray())));
        return result;
    }

    /** This instance's statistics and others', merged. */
    public HeadStatistics merge(HeadStatistics other) {
        return new HeadStatistics(concat(lengths, other.lengths), concat(tails, other.tails),
                concat(stalenessSeconds, other.stalenessSeconds), erasuresPending + other.erasuresPending,
                Math.max(oldestErasureSeconds, other.oldestErasureSeconds));
    }

    private static Map<String, LengthDistribution> concat(Map<String, LengthDistribution> a,
                                                         Map<String, LengthDistribution> b) {
        Map<String, LengthDistribution> result = new HashMap<>(a);
        b.forEach((type, d) -> result.merge(type, d, (x, y) -> {
            long[] all = new long[x.count() + y.count()];
            System.arraycopy(x.sorted(), 0, all, 0, x.count());
            System.arraycopy(y.sorted(), 0, all, x.count(), y.count());
            return new LengthDistribution(all);
        }));
        return result;
    }
}
