package dev.snapshotsidecar.demo;

import java.util.List;

/**
 * What the demo measured. Rehydration times are per stream, through the fold the snapshots were made with:
 * full replay of every event against latest snapshot plus the events after it.
 *
 * @param streamsStillDue  streams whose tail after their latest snapshot is at least their threshold; 0 means
 *                         every due snapshot was written
 * @param mismatches       snapshots that differ from full replay, and (with another fold than java) streams where
 *                         that fold and the Java aggregator disagree, as "stream@version: reason"
 * @param fold             how prescriptions were folded: java, http or jsonata
 */
public record DemoReport(String fold, int streams, long eventsWritten, long eventsIngested, long snapshotsWritten,
                         int snapshotsVerified, List<String> mismatches, int streamsStillDue,
                         double fullReplayP50Millis, double fullReplayP95Millis, double withSnapshotP50Millis,
                         double withSnapshotP95Millis, long longestStream, double elapsedSeconds) {
    public DemoReport {
        mismatches = List.copyOf(mismatches);
    }

    public double speedup() {
        return withSnapshotP95Millis == 0 ? 0 : fullReplayP95Millis / withSnapshotP95Millis;
    }

    public boolean ok() {
        return mismatches.isEmpty() && streamsStillDue == 0;
    }
}
