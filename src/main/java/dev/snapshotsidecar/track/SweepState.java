package dev.snapshotsidecar.track;

/**
 * Progress of one type's scheduled sweep in one tracker task; the value of the {@code sweep-state} store, so a
 * restart resumes where the sweep stopped.
 *
 * @param inProgress    a pass over the store is under way
 * @param cursor        the last stream id visited in this pass, or empty at its start
 * @param startedMillis when the current (or last) pass started, or 0 before the first
 */
record SweepState(boolean inProgress, String cursor, long startedMillis) {
    static final SweepState NEVER = new SweepState(false, "", 0);
}
