package dev.snapshotsidecar.fault;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the workload knows about one stream id: the authority on what the events table should hold, since the
 * workload is its only writer. Mutated only by the writer thread while holding the {@link Workload}'s lock; others
 * read {@link #copy()}s.
 */
final class StreamState {
    final String id;
    final String type;
    final int threshold;
    /** 1 for the first life of the id, +1 per re-creation after an erasure. */
    int incarnation = 1;
    /** Highest version written, -1 when the stream has no events (never written, or erased). */
    long head = -1;
    boolean erased;
    /** Lowest version still in the table; versions below were archived. */
    long lowest;
    /** Erased, re-created or archived at least once: recovery times are measured over the other streams. */
    boolean lifecycle;
    /** The oracle's chain at every archived version of the current incarnation, recorded before the delete. */
    TreeMap<Long, ExpectedChain> archived = new TreeMap<>();
    /** The chain at every version of each erased incarnation, recorded before the delete (oldest first). */
    List<Map<Long, ExpectedChain>> erasedIncarnations = new ArrayList<>();
    /** The table's highest global position when the stream was last erased; older change events are of a past life. */
    long eraseWatermark = -1;
    /** Head after each of the last appends of the current incarnation, to when it was committed (epoch millis). */
    TreeMap<Long, Long> appendedAt = new TreeMap<>();
    /** Erasures, re-creations and archives, in order, with when they were committed. */
    List<Lifecycle> lifecycleLog = new ArrayList<>();

    /** One lifecycle action on the stream. @param at epoch millis of its commit */
    record Lifecycle(long at, String what) {
    }

    StreamState(String id, String type, int threshold) {
        this.id = id;
        this.type = type;
        this.threshold = threshold;
    }

    StreamState copy() {
        StreamState c = new StreamState(id, type, threshold);
        c.incarnation = incarnation;
        c.head = head;
        c.erased = erased;
        c.lowest = lowest;
        c.lifecycle = lifecycle;
        c.archived = new TreeMap<>(archived);
        c.erasedIncarnations = new ArrayList<>(erasedIncarnations);
        c.eraseWatermark = eraseWatermark;
        c.lifecycleLog = List.copyOf(lifecycleLog);
        c.appendedAt = new TreeMap<>(appendedAt);
        return c;
    }

    /** When the stream first had at least {@code version + 1} events in its current incarnation; -1 if unknown. */
    long reached(long version) {
        Map.Entry<Long, Long> e = appendedAt.ceilingEntry(version);
        return e == null ? -1 : e.getValue();
    }

    /** The chain state just below the lowest version still in the table: where folding the table starts. */
    ExpectedChain boundary() {
        return archived.isEmpty() ? ExpectedChain.GENESIS : archived.lastEntry().getValue();
    }
}
