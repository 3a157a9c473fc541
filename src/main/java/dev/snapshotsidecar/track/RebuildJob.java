package dev.snapshotsidecar.track;

/**
 * A schema rebuild of one type in one tracker task; the value of the {@code rebuild-jobs} store, so it resumes
 * after a restart. It first measures the longest stream of the type, then walks the store once per power-of-two
 * band of lengths, longest band first, requesting a snapshot of each stream in the band.
 *
 * @param band   the band being walked: lengths in [2^band, 2^(band+1)); -1 while measuring
 * @param cursor the last stream id visited in this walk, or empty at its start
 * @param longest the longest stream seen while measuring
 */
record RebuildJob(String aggregateType, long requestedMillis, int band, String cursor, long longest) {
    static final int MEASURING = -1;

    static RebuildJob start(String aggregateType, long nowMillis) {
        return new RebuildJob(aggregateType, nowMillis, MEASURING, "", 0);
    }
}
