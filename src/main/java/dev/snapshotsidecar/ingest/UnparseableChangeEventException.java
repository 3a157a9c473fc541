package dev.snapshotsidecar.ingest;

import dev.snapshotsidecar.SidecarException;

/** A change event that cannot be understood; it goes to the dead-letter topic with these coordinates and reason. */
public class UnparseableChangeEventException extends SidecarException {
    private final String topic;
    private final int partition;
    private final long offset;
    private final String reason;

    public UnparseableChangeEventException(String topic, int partition, long offset, String reason) {
        super("unparseable change event at " + topic + "-" + partition + "@" + offset + ": " + reason
                + "; sent to dead letters");
        this.topic = topic;
        this.partition = partition;
        this.offset = offset;
        this.reason = reason;
    }

    public String topic() {
        return topic;
    }

    public int partition() {
        return partition;
    }

    public long offset() {
        return offset;
    }

    public String reason() {
        return reason;
    }
}
