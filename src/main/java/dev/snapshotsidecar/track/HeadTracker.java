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

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Keeps one {@link StreamHead} per stream and decides, against its own store, when a stream is due: the crossing is
 * detected here, record by record, never by filtering a cached aggregate downstream (which skips crossings).
 *
 * <ul>
 *   <li>An appended event at or below the head changes nothing (duplicates, reordering).</li>
 *   <li>A due stream gets one request; no other while it is pending, again once the request timed out.</li>
 *   <li>A result moves the snapshot version (WRITTEN, ALREADY_CURRENT), schedules a retry with backoff (FAILED), or
 *       holds the stream back until it grows by its threshold (TOO_LARGE); then the stream is checked again.
 *       A result for a stream never seen (a snapshot found at bootstrap) starts its head at that version.</li>
 *   <li>Deleted events (when erasure is on) send one ERASE request and leave a marker head, forgotten a day later.</li>
 *   <li>A wall-clock punctuation walks the store in bounded slices from cursors: the scan (timeouts, retries,
 *       idle streams), each type's scheduled sweep (state in {@code sweep-state}, so a restart resumes it), and
 *       each schema rebuild (state in {@code rebuild-jobs}), longest streams first, a bounded number per walk.</li>
 * </ul>
 * Runs on a stream thread: store access only, no blocking I/O.
 */
final class HeadTracker implements Processor<String, TrackerInput, String, SnapshotRequest> {
    private static final Logger LOG = LoggerFactory.getLogger(HeadTracker.class);
    static final Duration ERASED_MARKER_TTL = Duration.ofDays(1);

    private final TrackerSettings settings;
    private final java.time.Clock clock;
    private final TrackerMetrics metrics;
    private ProcessorContext<String, SnapshotRequest> context;
    private KeyValueStore<String, StreamHead> heads;
    private KeyValueStore<String, SweepState> sweeps;
    private KeyValueStore<String, RebuildJob> rebuilds;
    private String scanCursor = "";

    HeadTracker(TrackerSettings settings, java.time.Clock clock, TrackerMetrics metrics) {
        this.settings = settings;
        this.clock = clock;
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<String, SnapshotRequest> context) {
        this.context = context;
        this.heads = context.getStateStore(TrackerNames.HEADS_STORE);
        this.sweeps = context.getStateStore(TrackerNames.SWEEPS_STORE);
        this.rebuilds = context.getStateStore(TrackerNames.REBUILDS_STORE);
        context.schedule(settings.scanInterval(), PunctuationType.WALL_CLOCK_TIME, ignored -> punctuate());
    }

    @Override
    public void process(Record<String, TrackerInput> record) {
        long now = clock.millis();
        if (record.value() instanceof TrackerInput.Command command) {
            onCommand(command.command(), now);
            return;
        }
        String streamId = record.key();
        StreamHead before = heads.get(streamId);
        StreamHead after;
        if (record.value() instanceof TrackerInput.Change change) {
            after = change.change().erased()
                    ? onErased(streamId, before, now)
                    : onAppended(streamId, before, change.change().appended(), now);
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
        if (head != null && !head.isErased() && event.version() <= head.headVersion()) {
            metrics.duplicate();
            return head;
        }
        StreamHead moved = head == null || head.isErased()
                ? StreamHead.first(event.aggregateType(), event.version(), eventMillis)
                : head.withEvent(event.aggregateType(), event.version(), eventMillis);
        return requestIfDue(streamId, moved, now, Trigger.EVENT);
    }

    private StreamHead onErased(String streamId, StreamHead head, long now) {
        if (head != null && head.isErased()) {
            return head; // the stream's other deleted rows, or the tombstone after the delete
        }
        String type = head == null ? "" : head.aggregateType();
        send(streamId, SnapshotRequest.of(streamId, type, head == null ? StreamHead.NONE : head.headVersion(),
                StreamHead.NONE, RequestReason.ERASE, Instant.ofEpochMilli(now)), now);
        LOG.info("events of {} were deleted: erasing its snapshots and forgetting its head", streamId);
        return StreamHead.erased(type, now);
    }

    private StreamHead onResult(String streamId, StreamHead head, SnapshotResult result, long now) {
        metrics.result(result.outcome());
        boolean written = result.outcome() == Outcome.WRITTEN || result.outcome() == Outcome.ALREADY_CURRENT;
        if (head == null) {
            // a snapshot the tracker has not seen events for yet (bootstrap, or a stream older than the topic)
            return written ? StreamHead.fromSnapshot(result.version(), now) : null;
        }
        if (head.isErased()) {
            return head;
        }
        // a late result of an older request (sent again after a timeout) must not clear the newer one
        boolean answersPending = !head.pending() || result.version() >= head.pendingVersion();
        StreamHead next = switch (result.outcome()) {
            case WRITTEN, ALREADY_CURRENT -> answersPending
                    ? head.withSnapshot(result.version(), now)
                    : head.withSnapshot(result.version(), now).withPending(head.pendingVersion(), head.pendingSinceMillis());
            case FAILED -> {
                if (!answersPending) {
                    yield head;
                }
                long backoff = settings.failureBackoff().toMillis() << Math.min(head.consecutiveFailures(), 6);
                LOG.warn("snapshot of {} at version {} failed: {}; asking again in {} ms", streamId,
                        result.version(), result.detail(), backoff);
                yield head.withFailure(now + backoff);
            }
            case TOO_LARGE -> {
                if (!answersPending) {
                    yield head;
                }
                long growth = settings.rules(head.aggregateType()).growthAfterTooLarge();
                LOG.warn("snapshot of {} at version {} is too large ({}); not asked for again before version {}",
                        streamId, result.version(), result.detail(), result.version() + growth);
                yield head.withTooLarge(result.version() + growth);
            }
            case ERASED -> head;
        };
        return requestIfDue(streamId, next, now, Trigger.EVENT);
    }

    private void onCommand(TrackerCommand command, long now) {
        if (command.kind() == TrackerCommand.Kind.REBUILD) {
            LOG.info("schema rebuild of {} requested at {}: walking this task's streams, longest first",
                    command.aggregateType(), command.requestedAt());
            rebuilds.put(command.aggregateType(), RebuildJob.start(command.aggregateType(), now));
        }
    }

    private StreamHead requestIfDue(String streamId, StreamHead head, long now, Trigger trigger) {
        if (head.isErased() || head.aggregateType().isEmpty()) {
            return head;
        }
        if (head.pending() && now - head.pendingSinceMillis() < settings.requestTimeout().toMillis()) {
            return head;
        }
        if (now < head.nextRetryMillis()
                || (head.retryAfterVersion() != StreamHead.NONE && head.headVersion() < head.retryAfterVersion())) {
            return head;
        }
        Optional<RequestReason> reason = settings.rules(head.aggregateType()).policy()
                .due(head, head.eventsSinceSnapshot(settings.firstVersion()), now, trigger);
        if (reason.isEmpty()) {
            return head;
        }
        if (head.pending()) {
            LOG.info("request for {} at version {} had no result after {}; asking again", streamId,
                    head.pendingVersion(), settings.requestTimeout());
        }
        return request(streamId, head, reason.get(), now);
    }

    private StreamHead request(String streamId, StreamHead head, RequestReason reason, long now) {
        send(streamId, SnapshotRequest.of(streamId, head.aggregateType(), head.headVersion(), head.snapshotVersion(),
                reason, Instant.ofEpochMilli(now)), now);
        return head.withPending(head.headVersion(), now);
    }

    private void send(String streamId, SnapshotRequest request, long now) {
        // the result must come back to this task, which holds the head: its partition of the results topic
        context.forward(new Record<>(streamId, request.toPartition(context.taskId().partition()), now));
        metrics.requested(request.reason());
    }

    private void punctuate() {
        long now = clock.millis();
        scan(now);
        for (Map.Entry<String, TypeRules> type : settings.types().entrySet()) {
            type.getValue().sweep().ifPresent(schedule -> sweep(type.getKey(), schedule, now));
        }
        List<RebuildJob> jobs = new ArrayList<>();
        try (KeyValueIterator<String, RebuildJob> it = rebuilds.all()) {
            it.forEachRemaining(kv -> jobs.add(kv.value));
        }
        jobs.forEach(job -> rebuild(job, now));
    }

    /** Timeouts, retries and idle streams; erased markers past their time are forgotten. */
    private void scan(long now) {
        Walk walk = walk(scanCursor, (id, head) -> {
            if (head.isErased()) {
                return now - head.erasedMillis() > ERASED_MARKER_TTL.toMillis() ? Optional.empty() : Optional.of(head);
            }
            return Optional.of(requestIfDue(id, head, now, Trigger.SCAN));
        });
        scanCursor = walk.finished ? "" : walk.last;
    }

    private void sweep(String type, SweepSchedule schedule, long now) {
        SweepState state = Optional.ofNullable(sweeps.get(type)).orElse(SweepState.NEVER);
        if (!schedule.active(now, state)) {
            return;
        }
        if (!state.inProgress()) {
            LOG.info("scheduled sweep of {} starts", type);
            state = new SweepState(true, "", now);
        }
        Walk walk = walk(state.cursor(), (id, head) -> Optional.of(type.equals(head.aggregateType())
                ? requestIfDue(id, head, now, Trigger.SWEEP) : head));
        sweeps.put(type, walk.finished ? new SweepState(false, "", state.startedMillis())
                : new SweepState(true, walk.last, state.startedMillis()));
    }

    private void rebuild(RebuildJob job, long now) {
        int[] budget = {settings.rebuildBatch()};
        long[] longest = {job.longest()};
        Walk walk = walk(job.cursor(), (id, head) -> {
            if (budget[0] == 0) {
                return null; // stop here; the next punctuation goes on
            }
            if (!job.aggregateType().equals(head.aggregateType()) || head.isErased()) {
                return Optional.of(head);
            }
            long length = head.headVersion() - settings.firstVersion() + 1;
            if (job.band() == RebuildJob.MEASURING) {
                longest[0] = Math.max(longest[0], length);
                return Optional.of(head);
            }
            if (length < 1L << job.band() || length >= 1L << (job.band() + 1)) {
                return Optional.of(head);
            }
            budget[0]--;
            return Optional.of(request(id, head, RequestReason.REBUILD, now));
        });
        if (!walk.finished) {
            rebuilds.put(job.aggregateType(), new RebuildJob(job.aggregateType(), job.requestedMillis(), job.band(),
                    walk.last, longest[0]));
        } else if (job.band() == RebuildJob.MEASURING && longest[0] > 0) {
            int top = 63 - Long.numberOfLeadingZeros(longest[0]);
            rebuilds.put(job.aggregateType(), new RebuildJob(job.aggregateType(), job.requestedMillis(), top, "",
                    longest[0]));
        } else if (job.band() > 0) {
            rebuilds.put(job.aggregateType(), new RebuildJob(job.aggregateType(), job.requestedMillis(),
                    job.band() - 1, "", longest[0]));
        } else {
            LOG.info("schema rebuild of {} finished in this task", job.aggregateType());
            rebuilds.delete(job.aggregateType());
        }
    }

    /** Where a walk stopped: the last key it visited, and whether it reached the end of the store. */
    private record Walk(String last, boolean finished) {
    }

    /** What a walk does with one head: the head to keep (or empty to forget it), or null to stop before it. */
    private interface Visitor {
        Optional<StreamHead> visit(String streamId, StreamHead head);
    }

    /** Visits at most scanBatch heads after {@code cursor} ("" for the start) and applies the changes. */
    private Walk walk(String cursor, Visitor visitor) {
        List<KeyValue<String, Optional<StreamHead>>> changed = new ArrayList<>();
        String last = cursor;
        int visited = 0;
        boolean stopped = false;
        boolean finished;
        try (KeyValueIterator<String, StreamHead> it = heads.range(cursor.isEmpty() ? null : cursor, null)) {
            while (it.hasNext() && visited < settings.scanBatch()) {
                KeyValue<String, StreamHead> entry = it.next();
                if (entry.key.equals(cursor)) {
                    continue;
                }
                Optional<StreamHead> next = visitor.visit(entry.key, entry.value);
                if (next == null) {
                    stopped = true;
                    break;
                }
                visited++;
                last = entry.key;
                if (next.isEmpty() || !next.get().equals(entry.value)) {
                    changed.add(KeyValue.pair(entry.key, next));
                }
            }
            finished = !stopped && !it.hasNext();
        }
        changed.forEach(kv -> {
            if (kv.value.isPresent()) {
                heads.put(kv.key, kv.value.get());
            } else {
                heads.delete(kv.key);
            }
        });
        return new Walk(last, finished);
    }
}
