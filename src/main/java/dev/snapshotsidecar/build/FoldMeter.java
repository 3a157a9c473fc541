package dev.snapshotsidecar.build;

import dev.snapshotsidecar.request.FoldMeasure;
import dev.snapshotsidecar.request.Outcome;
import dev.snapshotsidecar.request.SnapshotRequest;
import dev.snapshotsidecar.request.SnapshotResult;
import dev.snapshotsidecar.store.EventReader;

import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Measures what folding costs, build by build, without the builder knowing: the builder reads its events through
 * {@link #reader}, and is called through {@link #builder}, which opens a tally on the build thread for the reads to
 * add to. Only builds that folded their tail to the end count (WRITTEN, TOO_LARGE): a failed fold says nothing of
 * the type's speed. Each measurement adds to a running total per aggregate type ({@link #totals()}, the worker's
 * meters) and to a window per type that {@link #drain()} empties, for the worker to tell the tracker.
 *
 * <p>The time is taken from the first event read to the last one folded: what a reader pays per event, without the
 * query's round trip, which it pays with or without a snapshot. Thread-safe: tallies are per build thread, the
 * windows concurrent.
 */
public final class FoldMeter {
    private final ThreadLocal<Tally> current = new ThreadLocal<>();
    private final Map<String, FoldMeasure> windows = new ConcurrentHashMap<>();
    private final Map<String, FoldMeasure> totals = new ConcurrentHashMap<>();

    /** The events a builder folds, read through the meter. */
    public EventReader reader(EventReader events) {
        return new MeasuredReader(events);
    }

    /** The builder, called through the meter. */
    public SnapshotBuilder builder(SnapshotBuilder builder) {
        return (request, lease) -> measure(builder, request, lease);
    }

    /** What each aggregate type's folds cost since the last call; types without a build are left out. */
    public Map<String, FoldMeasure> drain() {
        Map<String, FoldMeasure> drained = new TreeMap<>();
        for (String type : List.copyOf(windows.keySet())) {
            FoldMeasure measure = windows.remove(type);
            if (measure != null && !measure.isEmpty()) {
                drained.put(type, measure);
            }
        }
        return drained;
    }

    /** What each aggregate type's folds cost since this meter was made. */
    public Map<String, FoldMeasure> totals() {
        return new TreeMap<>(totals);
    }

    /** One type's running total. */
    FoldMeasure total(String aggregateType) {
        return totals.getOrDefault(aggregateType, FoldMeasure.NONE);
    }

    private SnapshotResult measure(SnapshotBuilder builder, SnapshotRequest request, BuildLease lease) {
        Tally tally = new Tally();
        current.set(tally);
        SnapshotResult result;
        try {
            result = builder.build(request, lease);
        } finally {
            current.remove();
        }
        if ((result.outcome() == Outcome.WRITTEN || result.outcome() == Outcome.TOO_LARGE) && tally.events > 0) {
            FoldMeasure measure = new FoldMeasure(tally.events, tally.bytes, tally.nanos / 1000);
            windows.merge(request.aggregateType(), measure, FoldMeasure::plus);
            totals.merge(request.aggregateType(), measure, FoldMeasure::plus);
        }
        return result;
    }

    /** One build's reads; touched by its build thread only. */
    private static final class Tally {
        long events;
        long bytes;
        long nanos;
    }

    private final class MeasuredReader implements EventReader {
        private final EventReader events;

        MeasuredReader(EventReader events) {
            this.events = events;
        }

        @Override
        public long read(String streamId, long fromVersion, long toVersion, EventSink sink) {
            return measured(sink, measuring -> events.read(streamId, fromVersion, toVersion, measuring));
        }

        @Override
        public long readFromLatestSnapshot(String streamId, int schemaVersion, long firstVersion, long toVersion,
                                           java.util.function.Consumer<dev.snapshotsidecar.store.StoredSnapshot> snapshot,
                                           EventSink sink) {
            // from the first event row on: the snapshot's row, and reading its state, are not the events' cost
            return measured(sink, measuring -> events.readFromLatestSnapshot(streamId, schemaVersion, firstVersion,
                    toVersion, snapshot, measuring));
        }

        /** Runs {@code read}, adding its events, their bytes and the time from the first one to the thread's tally. */
        private long measured(EventSink sink, java.util.function.ToLongFunction<EventSink> read) {
            Tally tally = current.get();
            if (tally == null) {
                return read.applyAsLong(sink);
            }
            long[] firstRow = {0};
            long[] bytes = {0};
            long count = read.applyAsLong(event -> {
                if (firstRow[0] == 0) {
                    firstRow[0] = System.nanoTime();
                }
                bytes[0] += Utf8.length(event.data()) + event.metadata().map(Utf8::length).orElse(0L);
                sink.accept(event);
            });
            if (count > 0) {
                tally.events += count;
                tally.bytes += bytes[0];
                tally.nanos += System.nanoTime() - firstRow[0];
            }
            return count;
        }

        @Override
        public OptionalLong lastVersion(String streamId) {
            return events.lastVersion(streamId);
        }

        @Override
        public List<StreamLength> streamLengths(String afterStreamId, int limit) {
            return events.streamLengths(afterStreamId, limit);
        }

        @Override
        public List<StreamEnd> streamEnds(String afterStreamId, int limit) {
            return events.streamEnds(afterStreamId, limit);
        }
    }
}
