package dev.snapshotsidecar.track;

/**
 * A schema rebuild of one type in one tracker task; the value of the {@code rebuild-jobs} store, so it resumes
 * after a restart. It first measures the longest stream of the type, then walks the store once per power-of-two
 * band of lengths, longest band first, requesting a snapshot of each stream in the band. A finished job stays in the
 * store for a day, marked finished, so that the progress of the rebuild can still be read
 * ({@link RebuildProgress}); a new rebuild of the type replaces it.
 *
 * @param requestedMillis when the rebuild was requested: the command's time, which identifies the rebuild (jobs of
 *                        an earlier version hold the time the task started it instead)
 * @param startedMillis   when this task started it (the tracker's clock); 0 in jobs of an earlier version
 * @param band            the band being walked: lengths in [2^band, 2^(band+1)); -1 while measuring
 * @param cursor          the last stream id visited in this walk, or empty at its start
 * @param longest         the longest stream seen while measuring
 * @param finishedMillis  when the walk finished in this task; 0 while it is under way
 */
record RebuildJob(String aggregateType, long requestedMillis, long startedMillis, int band, String cursor,
                  long longest, long finishedMillis) {
    static final int MEASURING = -1;

    static RebuildJob start(String aggregateType, long requestedMillis, long nowMillis) {
        return new RebuildJob(aggregateType, requestedMillis, nowMillis, MEASURING, "", 0, 0);
    }

    boolean finished() {
        return finishedMillis > 0;
    }

    /** When snapshots began to be asked for: answers since then count as rebuilt. */
    long sinceMillis() {
        return startedMillis > 0 ? startedMillis : requestedMillis;
    }

    RebuildJob walking(int band, String cursor, long longest) {
        return new RebuildJob(aggregateType, requestedMillis, startedMillis, band, cursor, longest, 0);
    }

    RebuildJob finishedAt(long nowMillis) {
        return new RebuildJob(aggregateType, requestedMillis, startedMillis, band, "", longest, nowMillis);
    }
}
