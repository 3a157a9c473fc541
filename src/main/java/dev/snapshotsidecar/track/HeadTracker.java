package dev.snapshotsidecar.track;

import dev.snapshotsidecar.ingest.AppendedEvent;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Keeps one {@link StreamHead} per stream and decides, against its own store, when a stream is due: the crossing is
 * detected here, record by record, never by filtering a cached aggregate downstream (which skips crossings).
 *
 * <ul>
 *   <li>An appended event at or below the head changes nothing (duplicates, reordering).</li>
 *   <li>A due stream gets one request; no other while it is pending, again once the request timed out.</li>
 *   <li>A result moves the snapshot version (WRITTEN, ALREADY_CURRENT) or schedules a retry with backoff (FAILED,
 *       TOO_LARGE), then the stream is checked again: events that arrived during the build may make it due.</li>
 *   <li>A wall-clock punctuation walks the store in bounded slices, resuming from a cursor, to resend timed-out
 *       requests and retries whose time has come.</li>
 * </ul>
 * Runs on a stream thread: store access only, no blocking I/O.
 */
final class HeadTracker implements Processor<String, TrackerInput, String, SnapshotRequest> {
    private static final Logger LOG = LoggerFactory.getLogger(HeadTracker.class);

    private final TrackerSettings settings;
    private final Clock clock;
    private final TrackerMetrics metrics;
    private ProcessorContext<String, SnapshotRequest> context;
    private KeyValueStore<String, StreamHead> heads;
    private Optional<String> scanCursor = Optional.empty();

    HeadTracker(TrackerSettings settings, Clock clock, TrackerMetrics metrics) {
        this.settings = settings;
        this.clock = clock;
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<String, SnapshotRequest> context) {
        this.context = context;
        this.heads = context.getStateStore(TrackerNames.HEADS_STORE);
        context.schedule(settings.scanInterval(), PunctuationType.WALL_CLOCK_TIME, ignored -> scan());
    }

    @Override
    public void process(Record<String, TrackerInput> record) {
        String streamId = record.key();
        long now = clock.millis();
        StreamHead before = heads.get(streamId);
        StreamHead after;
        if (record.value() instanceof TrackerInput.Appended appended) {
            after = onAppended(streamId, before, appended.event(), now);
        } else if (record.value() instanceof TrackerInput.Result result) {
            after = onResult(streamId, before, result.result(), now);
        } else {
            return;
        }
        if (after != null && !after.equals(before)) {
            heads.put(streamId, after);
        }
    }

    private StreamHead onAppended(String streamId, StreamHead head, AppendedEvent event, long now) {
        long eventMillis = event.committedAt().toEpochMilli();
        if (head != null && event.version() <= head.headVersion()) {
            metrics.duplicate();
            return head;
        }
        StreamHead moved = head == null
                ? StreamHead.first(event.aggregateType(), event.version(), eventMillis)
                : head.withEvent(event.version(), eventMillis);
        return requestIfDue(streamId, moved, now);
    }

    private StreamHead onResult(String streamId, StreamHead head, SnapshotResult result, long now) {
        metrics.result(result.outcome());
        if (head == null) {
            LOG.debug("result for unknown stream {} at version {} ignored", streamId, result.version());
            return null;
        }
        // a late result of an older request (sent again after a timeout) must not clear the newer one
        boolean answersPending = !head.pending() || result.version() >= head.pendingVersion();
        StreamHead next = switch (result.outcome()) {
            case WRITTEN, ALREADY_CURRENT -> answersPending
                    ? head.withSnapshot(result.version(), now)
                    : head.withSnapshot(result.version(), now).withPending(head.pendingVersion(), head.pendingSinceMillis());
            case FAILED, TOO_LARGE -> {
                if (!answersPending) {
                    yield head;
                }
                long backoff = settings.failureBackoff().toMillis() << Math.min(head.consecutiveFailures(), 6);
                LOG.warn("snapshot of {} at version {} failed ({}): {}; asking again in {} ms", streamId,
                        result.version(), result.outcome(), result.detail(), backoff);
                yield head.withFailure(now + backoff);
            }
        };
        return requestIfDue(streamId, next, now);
    }

    private StreamHead requestIfDue(String streamId, StreamHead head, long now) {
        if (head.pending() && now - head.pendingSinceMillis() < settings.requestTimeout().toMillis()) {
            return head;
        }
        if (now < head.nextRetryMillis()) {
            return head;
        }
        Optional<RequestReason> reason = settings.policy(head.aggregateType())
                .due(head, head.eventsSinceSnapshot(settings.firstVersion()), now);
        if (reason.isEmpty()) {
            return head;
        }
        if (head.pending()) {
            LOG.info("request for {} at version {} had no result after {}; asking again", streamId,
                    head.pendingVersion(), settings.requestTimeout());
        }
        SnapshotRequest request = SnapshotRequest.of(streamId, head.aggregateType(), head.headVersion(),
                head.snapshotVersion(), reason.get(), Instant.ofEpochMilli(now));
        context.forward(new Record<>(streamId, request, now));
        metrics.requested(reason.get());
        return head.withPending(head.headVersion(), now);
    }

    /** Visits at most scanBatch heads from the cursor; the next punctuation goes on from there. */
    private void scan() {
        long now = clock.millis();
        List<KeyValue<String, StreamHead>> changed = new ArrayList<>();
        String last = null;
        int visited = 0;
        try (KeyValueIterator<String, StreamHead> it = heads.range(scanCursor.orElse(null), null)) {
            while (it.hasNext() && visited < settings.scanBatch()) {
                KeyValue<String, StreamHead> entry = it.next();
                if (scanCursor.isPresent() && entry.key.equals(scanCursor.get())) {
                    continue;
                }
                visited++;
                last = entry.key;
                StreamHead next = requestIfDue(entry.key, entry.value, now);
                if (!next.equals(entry.value)) {
                    changed.add(KeyValue.pair(entry.key, next));
                }
            }
            scanCursor = it.hasNext() ? Optional.ofNullable(last) : Optional.empty();
        }
        changed.forEach(kv -> heads.put(kv.key, kv.value));
    }
}
