package dev.snapshotsidecar.build;

import java.util.OptionalLong;
import java.util.TreeSet;

/**
 * Which offsets of one partition may be committed while builds finish out of order: the committable position is the
 * lowest offset still in flight, or one past the highest offset seen when none is. Not thread-safe: owned by the
 * worker's poll thread.
 */
final class PartitionProgress {
    private final TreeSet<Long> inFlight = new TreeSet<>();
    private long nextOffset = -1;
    private long committed = -1;

    void started(long offset) {
        inFlight.add(offset);
        nextOffset = Math.max(nextOffset, offset + 1);
    }

    void finished(long offset) {
        inFlight.remove(offset);
    }

    int inFlight() {
        return inFlight.size();
    }

    /** The position to commit, if it moved since the last call to {@link #committed(long)}. */
    OptionalLong committable() {
        long position = inFlight.isEmpty() ? nextOffset : inFlight.first();
        return position > committed ? OptionalLong.of(position) : OptionalLong.empty();
    }

    void committed(long position) {
        committed = Math.max(committed, position);
    }
}
