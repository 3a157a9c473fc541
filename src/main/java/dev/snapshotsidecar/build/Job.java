package dev.snapshotsidecar.build;

import dev.snapshotsidecar.request.SnapshotRequest;
import org.apache.kafka.common.TopicPartition;

/**
 * One request the worker took from a partition: where it was read, in which assignment of that partition (its
 * builds hold a lease on it), and what it asks.
 */
record Job(Taken taken, SnapshotRequest request) {

    /** A record read from a partition of the requests topic, readable or not: what its offset needs. */
    record Taken(TopicPartition partition, long offset, long assignment) {
    }

    TopicPartition partition() {
        return taken.partition();
    }

    long offset() {
        return taken.offset();
    }
}
