package dev.snapshotsidecar.build;

import java.util.OptionalLong;
import java.util.TreeSet;

/**
 * Which offsets of one partition may be committed while builds finish out of order: the committable position is the
 * lowest offset still in flight, or, when none is, the consumer's position (past transaction markers and aborted
 * records a read_committed consumer never sees: one past the last record would stop short of them, and whoever
 * compares the committed offset with the end offset would wait forever). A position counts as committed
 * only once the broker confirmed it; a commit under way is not sent again, a failed one is. Not thread-safe: owned by
 * the worker's poll thread (commit callbacks run there too).
 */
final class PartitionProgress {
    private final TreeSet<Long> inFlight = new TreeSet<>();
    private long nextOffset = -1;
    private long committed = -1;
    private long committing = -1;

    void started(long offset) {
        inFlight.add(offset);
        nextOffset = Math.max(nextOffset, offset + 1);
    }

    void finished(long offset) {
        inFlight.remove(offset);
    }

    /** The consumer's position in the partition after a poll: everything below it was read or skipped. */
    void reached(long position) {
        nextOffset = Math.max(nextOffset, position);
    }

    int inFlight() {
        return inFlight.size();
    }

    /** The position to commit, if it moved past what is committed and what is being committed. */
    OptionalLong committable() {
        long position = inFlight.isEmpty() ? nextOffset : inFlight.first();
        return position > Math.max(committed, committing) ? OptionalLong.of(position) : OptionalLong.empty();
    }

    /** A commit of {@code position} was sent. */
    void committing(long position) {
        committing = Math.max(committing, position);
    }

    /** The broker confirmed the commit of {@code position}. */
    void committed(long position) {
        committed = Math.max(committed, position);
    }

    /** A commit failed: what is not confirmed will be sent again. */
    void commitFailed() {
        committing = committed;
    }

    long committedPosition() {
        return committed;
    }
}
