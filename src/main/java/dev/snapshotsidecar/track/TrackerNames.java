package dev.snapshotsidecar.track;

/**
 * Every name in the tracker topology, kept in one place. Internal topics are
 * {@code <application-id>-<name>-repartition} and {@code <application-id>-<store>-changelog}.
 */
final class TrackerNames {
    public static final String CHANGE_EVENTS_SOURCE = "change-events-source";
    public static final String PARSE = "parse-change-events";
    public static final String ROUTE = "route-";
    public static final String DEAD_LETTERS_BRANCH = "dead-letters";
    public static final String APPENDED_BRANCH = "appended";
    public static final String TO_DEAD_LETTER = "to-dead-letter-record";
    public static final String DEAD_LETTERS_SINK = "dead-letters-sink";
    public static final String KEY_BY_STREAM = "key-by-stream-id";
    /** Repartition topic that co-partitions appended events with results by the stream id (tracker.partitioning=stream-id). */
    public static final String APPENDED_BY_STREAM = "appended-by-stream";
    public static final String WRAP_CHANGES = "wrap-changes";
    /**
     * Prefix of the results input's processors: {@code results-source}, {@code decode-results},
     * {@code results-route-*}, {@code results-to-dead-letter-record}, {@code results-dead-letters-sink},
     * {@code wrap-results}.
     */
    public static final String RESULTS = "results";
    /** Prefix of the commands input's processors, named as the results input's. */
    public static final String COMMANDS = "commands";
    public static final String MERGE_INPUTS = "merge-tracker-inputs";
    public static final String TRACK_HEADS = "track-heads";
    public static final String REQUESTS_SINK = "requests-sink";
    /** The persistent store of one {@link StreamHead} per stream. */
    public static final String HEADS_STORE = "stream-heads";
    /** Per aggregate type, the progress of its scheduled sweep ({@link SweepState}). */
    public static final String SWEEPS_STORE = "sweep-state";
    /** Per aggregate type, the schema rebuild under way ({@link RebuildJob}). */
    public static final String REBUILDS_STORE = "rebuild-jobs";
    /** Per aggregate type, what the workers measured of its folds ({@link FoldSpeed}). */
    public static final String FOLD_SPEEDS_STORE = "fold-speeds";


    private TrackerNames() {
    }
}
