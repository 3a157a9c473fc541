package dev.snapshotsidecar.request;

/**
 * The dead-letter topic's record: the original key and value, unchanged, and where they came from and why in
 * headers (UTF-8 text). Written by the tracker for the source, results and commands topics and by the worker for the
 * requests topic.
 */
public final class DeadLetters {
    /** The topic the record was read from. */
    public static final String TOPIC_HEADER = "sidecar.dlq.topic";
    /** Its partition there. */
    public static final String PARTITION_HEADER = "sidecar.dlq.partition";
    /** Its offset there. */
    public static final String OFFSET_HEADER = "sidecar.dlq.offset";
    /** Why it could not be read; never quotes the record. */
    public static final String REASON_HEADER = "sidecar.dlq.reason";

    private DeadLetters() {
    }
}
