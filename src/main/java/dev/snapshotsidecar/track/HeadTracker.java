package dev.snapshotsidecar.track;

import dev.snapshotsidecar.track.policy.SweepSchedule;
import dev.snapshotsidecar.track.policy.TypeRules;
import dev.snapshotsidecar.track.policy.StreamView;
import dev.snapshotsidecar.track.policy.Trigger;
import dev.snapshotsidecar.request.TrackerCommand;
import dev.snapshotsidecar.request.RequestReason;
import dev.snapshotsidecar.request.Outcome;
import dev.snapshotsidecar.request.SnapshotResult;
import dev.snapshotsidecar.request.SnapshotRequest;
import dev.snapshotsidecar.ingest.AppendedEvent;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
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
 *   <li>An appended event at or below the head changes nothing (duplicates, reordering); one whose global position
 *       is at or below an erased incarnation's is a stale copy of it and changes nothing either.</li>
 *   <li>A due stream gets one request; no other while it is pending, and again only once the request timed out
 *       and the worker has taken everything sent before it ({@link RequestQueue}): a request still queued is not
 *       duplicated (unless no word of the queue came for {@link RequestQueue#FALLBACK_TIMEOUTS} timeouts).</li>
 *   <li>A result of the incarnation that asked moves the snapshot version (WRITTEN, ALREADY_CURRENT; never above the
 *       head), schedules a retry with backoff (FAILED), holds the stream back until it grows by its threshold
 *       (TOO_LARGE), or brings the head down to the database's last version (HEAD_BEYOND_EVENTS); then the stream
 *       is checked again. A result of another incarnation, or of an outcome this version does not know, is counted
 *       and ignored. A snapshot announced by a first start for a stream never seen starts its head.</li>
 *   <li>Deleted events (when erasure is on) make the erasure an obligation: an ERASE is sent and, until the database
 *       confirms it (ERASED) or says events remain (EVENTS_REMAIN, archiving), it is asked again after failures with
 *       backoff and no build of the stream is requested. A confirmed erasure leaves a marker, forgotten a day later;
 *       events written again after it (or while it is owed) start a new incarnation.</li>
 *   <li>On a first start that announced existing snapshots, no request is sent until the announcements of this
 *       task's results partition are read (the BOOTSTRAP_COMPLETE marker ends them); then the scan starts over.</li>
 *   <li>A wall-clock punctuation walks the store in bounded slices from cursors kept in {@code sweep-state}: the
 *       scan (timeouts, retries, erasures owed, idle streams), each type's scheduled sweep, and each schema rebuild
 *       (state in {@code rebuild-jobs}), longest streams first, a bounded number per walk. A restart resumes each.</li>
 * </ul>
 * Runs on a stream thread: store access only, no blocking I/O.
 */
final class HeadTracker implements Processor<String, TrackerInput, String, SnapshotRequest> {
    private static final Logger LOG = LoggerFactory.getLogger(HeadTracker.class);
    static final Duration ERASED_MARKER_TTL = Duration.ofDays(1);
    /** Key of the scan's cursor in {@code sweep-state}; no type name starts with '~'. */
    static final String SCAN_KEY = "~scan";
    /**
     * Key in {@code sweep-state} of the last reconcile pass an operator asked for; its start time is when the task
     * read the command. The reconcile pass reads it through {@link HeadsQuery#reconcileRequestedMillis()}.
     */
    static final String RECONCILE_KEY = "~reconcile";
    /** Key present in {@code sweep-state} once this task has read its first start's announcements. */
    static final String BOOTSTRAP_KEY = "~bootstrap";
    /**
     * Under exactly_once_v2 a request reaches the worker only once the transaction that wrote it commits. Rather
     * than wait for {@code commit.interval.ms} (1 s by default here, for throughput), a task that sent a request
     * asks Kafka Streams to commit, at most once per this spacing: a storm of requests commits 40 times a second,
     * not once per record (BENCHMARKS.md, freshness).
     */
    static final Duration REQUEST_COMMIT_SPACING = Duration.ofMillis(25);

    private final TrackerSettings settings;
    private final java.time.Clock clock;
    private final TrackerMetrics metrics;
    private final RequestQueue queue;
    private ProcessorContext<String, SnapshotRequest> context;
    private KeyValueStore<String, StreamHead> heads;
    private KeyValueStore<String, SweepState> sweeps;
    private KeyValueStore<String, RebuildJob> rebuilds;
    private KeyValueStore<String, FoldSpeed> foldSpeeds;
    /** The {@code fold-speeds} store in memory: read on every event, written by a report a minute per worker. */
    private final Map<String, FoldSpeed> speeds = new java.util.HashMap<>();
    private boolean gateOpen;
    /** Whether requests go out in transactions, which need a commit to be seen. */
    private boolean transactional;
    /** A request was sent and no commit asked for since. */
    private boolean uncommitted;
    private long commitAskedMillis = Long.MIN_VALUE / 2;
    /** Aggregate types whose change events were found to carry no event type, warned about once. */
    private final java.util.Set<String> untypedWarned = new java.util.HashSet<>();

    HeadTracker(TrackerSettings settings, java.time.Clock clock, TrackerMetrics metrics, RequestQueue queue) {
        this.settings = settings;
        this.clock = clock;
        this.metrics = metrics;
        this.queue = queue;
    }

    @Override
    public void init(ProcessorContext<String, SnapshotRequest> context) {
        this.context = context;
        this.heads = context.getStateStore(TrackerNames.HEADS_STORE);
        this.sweeps = context.getStateStore(TrackerNames.SWEEPS_STORE);
        this.rebuilds = context.getStateStore(TrackerNames.REBUILDS_STORE);
        this.foldSpeeds = context.getStateStore(TrackerNames.FOLD_SPEEDS_STORE);
        try (KeyValueIterator<String, FoldSpeed> it = foldSpeeds.all()) {
            it.forEachRemaining(kv -> speeds.put(kv.key, kv.value));
        }
        settings.types().forEach((type, rules) -> reportSpeed(type, rules));
        this.gateOpen = !settings.awaitBootstrap() || sweeps.get(BOOTSTRAP_KEY) != null;
        if (!gateOpen) {
            LOG.info("task {}: waiting for the first start's announcements before asking for snapshots",
                    context.taskId());
            metrics.awaitingBootstrap(context.taskId().toString(), true);
        }
        context.schedule(settings.scanInterval(), PunctuationType.WALL_CLOCK_TIME, ignored -> punctuate());
        this.transactional = !StreamsConfig.AT_LEAST_ONCE.equals(
                context.appConfigs().get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG));
        if (transactional) {
            context.schedule(REQUEST_COMMIT_SPACING, PunctuationType.WALL_CLOCK_TIME, this::commitRequests);
        }
    }

    /** Asks for a commit when a request waits for one and the last ask is at least the spacing old. */
    private void commitRequests(long nowMillis) {
        if (uncommitted && nowMillis - commitAskedMillis >= REQUEST_COMMIT_SPACING.toMillis()) {
            context.commit();
            commitAskedMillis = nowMillis;
            uncommitted = false;
        }
    }

    @Override
    public void close() {
        metrics.awaitingBootstrap(context.taskId().toString(), false);
    }

    @Override
    public void process(Record<String, TrackerInput> record) {
        try {
            track(record);
        } catch (org.apache.kafka.common.KafkaException e) {
            throw e; // the task's own trouble (migrated, fenced): Kafka Streams handles it
        } catch (RuntimeException e) {
            // one record the logic cannot take must not stop the task for good (it would fail again on every replay)
            metrics.recordFailed();
            context.recordMetadata().ifPresentOrElse(where -> LOG.error("record {}-{}@{} of stream {} could not be"
                            + " tracked and is skipped: {}", where.topic(), where.partition(), where.offset(),
                            record.key(), e.getClass().getName(), e),
                    () -> LOG.error("a record of stream {} could not be tracked and is skipped: {}", record.key(),
                            e.getClass().getName(), e));
        }
    }

    private void track(Record<String, TrackerInput> record) {
        long now = clock.millis();
        if (record.value() instanceof TrackerInput.Command command) {
            onCommand(command.command(), now);
            return;
        }
        String streamId = record.key();
        if (record.value() instanceof TrackerInput.Result result
                && result.result().outcome() == Outcome.BOOTSTRAP_COMPLETE) {
            metrics.result(Outcome.BOOTSTRAP_COMPLETE);
            onBootstrapComplete(now);
            return;
        }
        Optional<StreamHead> before = Optional.ofNullable(heads.get(streamId));
        Optional<StreamHead> after;
        if (record.value() instanceof TrackerInput.Change change) {
            after = Optional.of(change.change().erased()
                    ? onDeleted(streamId, before, change.change().position(), now)
                    : onAppended(streamId, before, change.change().appended(), now));
        } else if (record.value() instanceof TrackerInput.Result result) {
            after = onResult(streamId, before, result.result(), now);
        } else {
            return;
        }
        if (after.isPresent() && !after.equals(before)) {
            heads.put(streamId, after.get());
        }
    }

    private StreamHead onAppended(String streamId, Optional<StreamHead> known, AppendedEvent event, long now) {
        long eventMillis = event.committedAt().toEpochMilli();
        long position = event.globalPosition();
        if (known.isEmpty()) {
            return requestIfDue(streamId, marked(StreamHead.first(event.aggregateType(), now, event.version(),
                    eventMillis, position), event), now, Trigger.EVENT);
        }
        StreamHead stored = known.get();
        // a head learnt from a snapshot learns its type from any event, a duplicate included
        StreamHead head = stored.aggregateType().isEmpty() ? stored.withType(event.aggregateType()) : stored;
        StreamHead.Erasure erasure = head.erasure();
        if (erasure.state() != StreamHead.ErasureState.NONE && staleCopy(position, erasure)) {
            metrics.duplicate(); // a change event of the erased incarnation, produced again
            return head;
        }
        if (head.isErased()) {
            LOG.info("events of {} are written again after its erasure: a new incarnation", streamId);
            return requestIfDue(streamId, marked(StreamHead.first(event.aggregateType(), newIncarnation(head, now),
                    event.version(), eventMillis, position), event), now, Trigger.EVENT);
        }
        if (head.erasing() && head.incarnation() == erasure.incarnation()
                && event.version() <= erasure.headVersion()) {
            // written again from a version the stream had when its rows were deleted, while the erasure is owed: a
            // new incarnation, which inherits the obligation (no build of it is asked for until the old
            // incarnation's snapshots are gone). Against the head at the deletion, not the head now: an event written
            // after the deletion (an archived stream living on) and produced again is a duplicate, not a new life
            LOG.info("events of {} are written again before its erasure was confirmed: a new incarnation", streamId);
            StreamHead next = StreamHead.first(event.aggregateType(), newIncarnation(head, now), event.version(),
                    eventMillis, position);
            return boundedBy(streamId, marked(new StreamHead(next.aggregateType(), next.incarnation(),
                    next.headVersion(), next.snapshotVersion(), next.lastEventMillis(), next.lastSnapshotMillis(),
                    next.maxPosition(), head.pendingRequest(), head.retry(), erasure), event), position, now);
        }
        if (head.erasing() && event.version() > head.headVersion()) {
            // events after the deletion (the stream lives on, or its new incarnation grows)
            return boundedBy(streamId, marked(head.withEvent(event.aggregateType(), event.version(), eventMillis,
                    position), event), position, now);
        }
        if (event.version() <= head.headVersion()) {
            metrics.duplicate();
            // its position still counts: a head learnt from a snapshot gets the positions of its replayed events
            StreamHead seen = position > head.maxPosition() ? head.withEvent(head.aggregateType(), head.headVersion(),
                    head.lastEventMillis(), position) : head;
            // an event of a marked type seen late (reordered, or below a head a reconcile raised) still counts
            StreamHead marked = marked(seen, event);
            return marked.equals(seen) ? seen : requestIfDue(streamId, marked, now, Trigger.EVENT);
        }
        return requestIfDue(streamId, marked(head.withEvent(event.aggregateType(), event.version(), eventMillis,
                position), event), now, Trigger.EVENT);
    }

    /**
     * The head with {@code event} marked when its type is one the aggregate type snapshots after and no snapshot or
     * mark covers it yet. A type that marks events but whose change events carry no event type is counted, and
     * warned about once per task: the connector must send the event type column.
     */
    private StreamHead marked(StreamHead head, AppendedEvent event) {
        String type = head.aggregateType().isEmpty() ? event.aggregateType() : head.aggregateType();
        TypeRules rules = settings.rules(type);
        if (rules.markedEventTypes().isEmpty()) {
            return head;
        }
        if (event.eventType().isEmpty()) {
            metrics.untypedEvent(type);
            if (untypedWarned.add(type)) {
                LOG.warn("change events of {} streams carry no event type (first seen: {} at version {}), so "
                        + "snapshot-after-events cannot see {}: send the event type column in the connector's change "
                        + "events (connect/*.json exclude only the payload columns)", type, event.streamId(),
                        event.version(), rules.markedEventTypes());
            }
            return head;
        }
        if (!rules.marks(event.eventType())
                || event.version() <= Math.max(head.snapshotVersion(), head.markedVersion())) {
            return head;
        }
        return head.withMark(event.version());
    }

    /**
     * An erasure whose boundary is unknown gets one from the first event written after the deletion: every event
     * of the erased incarnation lies below it. The erasure is then asked for again against it.
     */
    private StreamHead boundedBy(String streamId, StreamHead head, long position, long now) {
        StreamHead.Erasure erasure = head.erasure();
        if (!head.erasing() || erasure.position() != StreamHead.NONE || position == StreamHead.NONE) {
            return head;
        }
        return sendErase(streamId, head.withErasure(new StreamHead.Erasure(erasure.state(), erasure.incarnation(),
                position - 1, erasure.headVersion(), erasure.sinceMillis())), now);
    }

    /** Whether an event at {@code position} belongs to the incarnation being (or that was) erased. */
    private static boolean staleCopy(long position, StreamHead.Erasure erasure) {
        return position != StreamHead.NONE && erasure.position() != StreamHead.NONE
                && position <= erasure.position();
    }

    private static long newIncarnation(StreamHead head, long now) {
        return Math.max(now, Math.max(head.incarnation(), head.erasure().incarnation()) + 1);
    }

    private StreamHead onDeleted(String streamId, Optional<StreamHead> known, long position, long now) {
        if (known.isEmpty()) {
            // a stream never seen (its inserts are older than the topic, or were placed elsewhere): nothing tells
            // how far it reached, so the erasure is confirmed only once the stream has no event at all
            return startErasure(streamId, new StreamHead("", 0, StreamHead.NONE, StreamHead.NONE, 0, 0,
                    StreamHead.NONE, StreamHead.Pending.NONE, StreamHead.Retry.NONE, StreamHead.Erasure.NONE),
                    StreamHead.NONE, now);
        }
        StreamHead head = known.get();
        StreamHead.Erasure erasure = head.erasure();
        switch (erasure.state()) {
            case PENDING -> {
                if (head.incarnation() != erasure.incarnation() && position != StreamHead.NONE
                        && position > erasure.position()) {
                    // rows of the incarnation written since are deleted too: one erasure owed for both
                    return startErasure(streamId, head, erasurePosition(head, position), now);
                }
                if (head.incarnation() == erasure.incarnation() && erasure.position() != StreamHead.NONE
                        && position > erasure.position()) {
                    return head.withErasure(new StreamHead.Erasure(erasure.state(), erasure.incarnation(), position,
                            erasure.headVersion(), erasure.sinceMillis()));
                }
                return head; // the incarnation's other deleted rows, or the tombstone after a delete
            }
            case CONFIRMED -> {
                if (position == StreamHead.NONE || staleCopy(position, erasure)) {
                    return head;
                }
                return startErasure(streamId, head, StreamHead.NONE, now);
            }
            default -> {
                return startErasure(streamId, head, erasurePosition(head, position), now);
            }
        }
    }

    /**
     * The position an erasure checks the table against: the highest of the incarnation, when the tracker saw the
     * positions of its events; unknown otherwise (then only a stream without any event counts as erased, since a
     * row of the incarnation the tracker never saw may lie above the deleted one).
     */
    private static long erasurePosition(StreamHead head, long deletedPosition) {
        if (head.maxPosition() == StreamHead.NONE) {
            return StreamHead.NONE;
        }
        return Math.max(head.maxPosition(), deletedPosition);
    }

    private StreamHead startErasure(String streamId, StreamHead head, long position, long now) {
        LOG.info("events of {} were deleted: erasing its snapshots unless events remain", streamId);
        metrics.erasure("requested");
        StreamHead owed = new StreamHead(head.aggregateType(), head.incarnation(), head.headVersion(),
                head.snapshotVersion(), head.lastEventMillis(), head.lastSnapshotMillis(), head.maxPosition(),
                StreamHead.Pending.NONE, StreamHead.Retry.NONE, new StreamHead.Erasure(StreamHead.ErasureState.PENDING,
                head.incarnation(), position, head.headVersion(), now), head.markedVersion());
        return sendErase(streamId, owed, now);
    }

    private StreamHead sendErase(String streamId, StreamHead head, long now) {
        StreamHead.Erasure erasure = head.erasure();
        send(streamId, SnapshotRequest.erase(streamId, head.aggregateType(), erasure.incarnation(),
                erasure.headVersion(), erasure.position(), Instant.ofEpochMilli(now)));
        return head.withPending(erasure.position(), now); // an ERASE's pending version is the position it asks with
    }

    private Optional<StreamHead> onResult(String streamId, Optional<StreamHead> known, SnapshotResult result,
                                          long now) {
        Outcome outcome = result.outcome();
        metrics.result(outcome);
        if (outcome == Outcome.UNKNOWN) {
            LOG.debug("result for {} with an outcome this version does not know: ignored", streamId);
            return known;
        }
        if (result.announcement()) {
            return Optional.of(onAnnouncement(known, result, now));
        }
        if (outcome == Outcome.HEAD_RECONCILE) {
            return onReconcile(streamId, known, result, now);
        }
        return known.map(head -> onResult(streamId, head, result, now)); // else not a stream this task holds
    }

    private StreamHead onResult(String streamId, StreamHead head, SnapshotResult result, long now) {
        Outcome outcome = result.outcome();
        if (outcome == Outcome.HEAD_RESET) {
            if (head.erasure().state() != StreamHead.ErasureState.NONE) {
                return head; // an erasure is owed or done: nothing to reset
            }
            metrics.headCorrected();
            LOG.info("head of {} reset by an operator from {} to the database's version {}", streamId,
                    head.headVersion(), result.version());
            return requestIfDue(streamId, head.resetTo(result.version()), now, Trigger.EVENT);
        }
        if (result.answersErase() || (result.v() < 2 && head.erasing() && outcome == Outcome.FAILED)) {
            return onErasureResult(streamId, head, result, now);
        }
        if (head.erasure().state() != StreamHead.ErasureState.NONE
                && head.incarnation() == head.erasure().incarnation()) {
            return head; // a build of the incarnation whose erasure is owed or done: moot
        }
        if (result.incarnation() != head.incarnation()) {
            metrics.staleResult();
            LOG.debug("result for {} answers another incarnation: ignored", streamId);
            return head;
        }
        // a late result of an older request (sent again after a timeout) must not clear the newer one
        boolean answersPending = !head.pending() || result.version() >= head.pendingVersion();
        StreamHead next = switch (outcome) {
            case WRITTEN, ALREADY_CURRENT -> {
                // never beyond the versions seen: a result must not make a stream look current that is not
                long version = Math.min(result.version(), head.headVersion());
                StreamHead written = head.withSnapshot(version, now);
                yield answersPending ? written : written.withPending(head.pendingRequest());
            }
            case FAILED -> {
                if (!answersPending) {
                    yield head;
                }
                long backoff = backoff(head);
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
            case HEAD_BEYOND_EVENTS -> {
                if (result.version() >= head.headVersion() || !head.pending()
                        || head.headVersion() != head.pendingVersion()) {
                    // events came since the request (the head is theirs), or it answers no request pending now
                    yield head.withPending(StreamHead.Pending.NONE);
                }
                if (settings.erasure() && result.version() < settings.firstVersion()) {
                    // the stream has no event at all: its deletion was never seen (lost change events); erase it
                    yield startErasure(streamId, head.withPending(StreamHead.Pending.NONE), StreamHead.NONE, now);
                }
                metrics.headCorrected();
                LOG.warn("the database's events of {} end at version {}, below the head {}: head corrected", streamId,
                        result.version(), head.headVersion());
                yield head.correctedTo(result.version());
            }
            default -> head;
        };
        return requestIfDue(streamId, next, now, Trigger.EVENT);
    }

    /**
     * A reconcile pass found the stream's last event in the database above the head, or found a stream never seen
     * (change data capture lost its events): the head is raised to it, or started, as if that event had arrived; it
     * is never lowered (events that arrived since the pass read the table stay), and a stream whose erasure is owed
     * or done is left to the erasure. Then the stream is checked like after a scan.
     */
    private Optional<StreamHead> onReconcile(String streamId, Optional<StreamHead> known, SnapshotResult result,
                                             long now) {
        SnapshotResult.LastEvent last = result.lastEvent();
        String type = known.map(StreamHead::aggregateType).filter(t -> !t.isEmpty()).orElse(result.aggregateType());
        if (type.isEmpty() || !settings.types().containsKey(type)) {
            return known;
        }
        AppendedEvent event = AppendedEvent.of(streamId, result.version(), type, last.type(),
                last.position() < 0 ? "" : Long.toString(last.position()), Instant.ofEpochMilli(last.committedMillis()));
        if (known.isEmpty()) {
            metrics.reconciled(type, "started");
            LOG.info("reconcile: {} has events up to version {} that change data capture never delivered; its head"
                    + " starts there", streamId, result.version());
            return Optional.of(requestIfDue(streamId, marked(StreamHead.first(type, now, result.version(),
                    last.committedMillis(), last.position()), event), now, Trigger.SCAN));
        }
        StreamHead head = known.get();
        if (head.erasure().state() != StreamHead.ErasureState.NONE || result.version() <= head.headVersion()) {
            return known;
        }
        metrics.reconciled(type, "raised");
        LOG.info("reconcile: the head of {} was behind the database; raised from {} to {}", streamId,
                head.headVersion(), result.version());
        StreamHead typed = head.aggregateType().isEmpty() ? head.withType(type) : head;
        return Optional.of(requestIfDue(streamId, marked(typed.withEvent(type, result.version(),
                last.committedMillis(), last.position()), event), now, Trigger.SCAN));
    }

    /**
     * A snapshot a first start found in the table: the database's word, so it is taken whatever the head's
     * incarnation (there is no erasure history before a first start) and may stand above the events seen so far.
     */
    private StreamHead onAnnouncement(Optional<StreamHead> known, SnapshotResult result, long now) {
        if (known.isEmpty()) {
            return StreamHead.fromSnapshot(result.aggregateType(), result.version(), now);
        }
        StreamHead head = known.get();
        if (head.erasure().state() != StreamHead.ErasureState.NONE || result.version() <= head.snapshotVersion()) {
            return head;
        }
        StreamHead typed = head.aggregateType().isEmpty() && !result.aggregateType().isEmpty()
                ? head.withType(result.aggregateType()) : head;
        return new StreamHead(typed.aggregateType(), typed.incarnation(), typed.headVersion(), result.version(),
                typed.lastEventMillis(), now, typed.maxPosition(), typed.pendingRequest(), typed.retry(),
                typed.erasure(), typed.markedVersion());
    }

    private StreamHead onErasureResult(String streamId, StreamHead head, SnapshotResult result, long now) {
        StreamHead.Erasure erasure = head.erasure();
        if (!head.erasing() || result.incarnation() != erasure.incarnation()) {
            return head; // the answer to an erasure already settled, or to an earlier one
        }
        switch (result.outcome()) {
            case ERASED -> {
                metrics.erasure("confirmed");
                StreamHead discharged = new StreamHead(head.aggregateType(), head.incarnation(), head.headVersion(),
                        StreamHead.NONE, head.lastEventMillis(), 0, head.maxPosition(), StreamHead.Pending.NONE,
                        StreamHead.Retry.NONE, StreamHead.Erasure.NONE);
                if (head.incarnation() != erasure.incarnation()) {
                    LOG.info("erasure of {} confirmed ({}); its new incarnation may be snapshotted", streamId,
                            result.detail());
                    return requestIfDue(streamId, discharged, now, Trigger.EVENT);
                }
                if (head.headVersion() > erasure.headVersion()) {
                    // events appended after the deletion of all the earlier ones: the stream lives on
                    LOG.info("erasure of {} confirmed ({}), and events came after it", streamId, result.detail());
                    return requestIfDue(streamId, discharged, now, Trigger.EVENT);
                }
                LOG.info("erasure of {} confirmed: {}", streamId, result.detail());
                return head.confirmedErased(now);
            }
            case EVENTS_REMAIN -> {
                if (result.answersErase() && result.v() >= 2 && result.version() != erasure.position()) {
                    return head; // checked against an older boundary: the ERASE with the current one is pending
                }
                if (head.incarnation() != erasure.incarnation()) {
                    // the id was written again and events remain below the boundary (or none is known): the old
                    // incarnation's snapshots cannot be told from anything the new one could have, and it has none
                    // yet (no build is asked for while the erasure is owed), so every snapshot of the stream goes
                    LOG.warn("events of {} remain although it was written again: erasing all its snapshots",
                            streamId);
                    return sendErase(streamId, head.withErasure(new StreamHead.Erasure(erasure.state(),
                            erasure.incarnation(), SnapshotRequest.ALL_SNAPSHOTS, erasure.headVersion(),
                            erasure.sinceMillis())), now);
                }
                metrics.erasure("events-remain");
                LOG.info("rows of {} were deleted but events remain ({}): not an erasure, its snapshots stay",
                        streamId, result.detail());
                return requestIfDue(streamId, head.withErasure(StreamHead.Erasure.NONE)
                        .withPending(StreamHead.Pending.NONE), now, Trigger.EVENT);
            }
            default -> {
                metrics.erasure("failed");
                long backoff = backoff(head);
                LOG.warn("erasure of {} failed: {}; asking again in {} ms", streamId, result.detail(), backoff);
                return head.withErasureFailure(now + backoff);
            }
        }
    }

    private long backoff(StreamHead head) {
        return settings.failureBackoff().toMillis() << Math.min(head.consecutiveFailures(), 6);
    }

    private void onBootstrapComplete(long now) {
        if (gateOpen) {
            // read here with the gate open (this instance did not announce): kept all the same, so an instance that
            // did and gets this task later does not wait for a marker that was already read
            if (sweeps.get(BOOTSTRAP_KEY) == null) {
                sweeps.put(BOOTSTRAP_KEY, new SweepState(false, "", now));
            }
            return;
        }
        gateOpen = true;
        metrics.awaitingBootstrap(context.taskId().toString(), false);
        sweeps.put(BOOTSTRAP_KEY, new SweepState(false, "", now));
        sweeps.put(SCAN_KEY, SweepState.NEVER); // the scan starts over and finds what became due meanwhile
        LOG.info("task {}: the first start's announcements are read; asking for due snapshots", context.taskId());
    }

    private void onCommand(TrackerCommand command, long now) {
        if (command.kind() == TrackerCommand.Kind.UNKNOWN) {
            LOG.info("a command of a kind this version does not know was ignored");
            return;
        }
        if (command.kind() == TrackerCommand.Kind.RECONCILE) {
            // the reconcile pass runs beside the tracker, off the stream threads: it reads this through the store
            LOG.info("reconcile pass requested at {}", command.requestedAt());
            sweeps.put(RECONCILE_KEY, new SweepState(false, "", now));
            return;
        }
        if (command.kind() == TrackerCommand.Kind.FOLD_SPEED) {
            if (command.fold().isEmpty()) {
                return;
            }
            FoldSpeed speed = speeds.getOrDefault(command.aggregateType(), FoldSpeed.NONE).plus(command.fold(), now);
            speeds.put(command.aggregateType(), speed);
            foldSpeeds.put(command.aggregateType(), speed);
            reportSpeed(command.aggregateType(), settings.rules(command.aggregateType()));
            return;
        }
        if (command.kind() == TrackerCommand.Kind.REBUILD) {
            LOG.info("schema rebuild of {} requested at {}: walking this task's streams, longest first",
                    command.aggregateType(), command.requestedAt());
            rebuilds.put(command.aggregateType(), RebuildJob.start(command.aggregateType(),
                    command.requestedAt().toEpochMilli(), now));
        }
    }

    private StreamHead requestIfDue(String streamId, StreamHead head, long now, Trigger trigger) {
        if (head.erasing()) {
            return eraseIfDue(streamId, head, now);
        }
        if (head.isErased() || head.aggregateType().isEmpty() || !gateOpen) {
            return head;
        }
        if (head.pending() && !timedOut(streamId, head, now)) {
            return head;
        }
        if (now < head.nextRetryMillis()
                || (head.retryAfterVersion() != StreamHead.NONE && head.headVersion() < head.retryAfterVersion())) {
            return head;
        }
        TypeRules rules = settings.rules(head.aggregateType());
        Optional<RequestReason> reason = rules.policy().due(new StreamView(
                head.eventsSinceSnapshot(settings.firstVersion()), head.lastEventMillis(), head.lastSnapshotMillis(),
                head.markedSinceSnapshot(), microsPerEvent(head.aggregateType(), rules)), now, trigger);
        if (reason.isEmpty()) {
            return head;
        }
        if (head.pending()) {
            LOG.info("request for {} at version {} was taken by the worker and had no result after {}; asking again",
                    streamId, head.pendingVersion(), settings.requestTimeout());
        }
        return request(streamId, head, reason.get(), now);
    }

    /** The type's estimated cost of replaying one event: the prior, moved by what builds measured. */
    private double microsPerEvent(String aggregateType, TypeRules rules) {
        return speeds.getOrDefault(aggregateType, FoldSpeed.NONE).microsPerEvent(rules.priorMicrosPerEvent());
    }

    private void reportSpeed(String aggregateType, TypeRules rules) {
        FoldSpeed speed = speeds.getOrDefault(aggregateType, FoldSpeed.NONE);
        metrics.foldSpeed(aggregateType, speed.microsPerEvent(rules.priorMicrosPerEvent()), speed.bytesPerEvent(),
                speed.measured().events());
    }

    /**
     * A pending request is asked for again only once it is older than the timeout and the worker has taken every
     * request sent before it: while it still waits in the worker's queue, a duplicate would only lengthen the queue.
     */
    private boolean timedOut(String streamId, StreamHead head, long now) {
        long age = now - head.pendingSinceMillis();
        long timeout = settings.requestTimeout().toMillis();
        return age >= timeout && (queue.answered(streamId, head.pendingSinceMillis())
                || age >= RequestQueue.FALLBACK_TIMEOUTS * timeout);
    }

    private StreamHead eraseIfDue(String streamId, StreamHead head, long now) {
        if (head.pending() && !timedOut(streamId, head, now)) {
            return head;
        }
        if (now < head.nextRetryMillis()) {
            return head;
        }
        LOG.info("erasure of {} is still owed; asking for it again", streamId);
        return sendErase(streamId, head, now);
    }

    private StreamHead request(String streamId, StreamHead head, RequestReason reason, long now) {
        send(streamId, SnapshotRequest.build(streamId, head.aggregateType(), head.incarnation(), head.headVersion(),
                head.snapshotVersion(), head.maxPosition(), reason, Instant.ofEpochMilli(now)));
        return head.withPending(head.headVersion(), now);
    }

    private void send(String streamId, SnapshotRequest request) {
        // the result must come back to this task, which holds the head: its partition of the results topic
        context.forward(new Record<>(streamId, request.toPartition(context.taskId().partition()), clock.millis()));
        metrics.requested(request.reason());
        if (transactional) {
            uncommitted = true;
            commitRequests(context.currentSystemTimeMs());
        }
    }

    private void punctuate() {
        if (!gateOpen) {
            return;
        }
        long now = clock.millis();
        scan(now);
        for (Map.Entry<String, TypeRules> type : settings.types().entrySet()) {
            type.getValue().sweep().ifPresent(schedule -> sweep(type.getKey(), schedule, now));
        }
        List<RebuildJob> jobs = new ArrayList<>();
        try (KeyValueIterator<String, RebuildJob> it = rebuilds.all()) {
            it.forEachRemaining(kv -> jobs.add(kv.value));
        }
        for (RebuildJob job : jobs) {
            if (!job.finished()) {
                rebuild(job, now);
            } else if (now - job.finishedMillis() > ERASED_MARKER_TTL.toMillis()) {
                rebuilds.delete(job.aggregateType()); // kept a day for its progress to be read, as erasure markers
            }
        }
    }

    /**
     * Timeouts, retries, erasures owed and idle streams; markers of confirmed erasures past their time are
     * forgotten. The cursor is kept in the store, so a task that is often re-initialised still reaches every head.
     */
    private void scan(long now) {
        SweepState state = Optional.ofNullable(sweeps.get(SCAN_KEY)).orElse(SweepState.NEVER);
        Walk walk = walk(state.cursor(), (id, head) -> {
            if (head.isErased()) {
                return now - head.erasure().sinceMillis() > ERASED_MARKER_TTL.toMillis() ? Step.FORGET
                        : new Step.Keep(head);
            }
            return new Step.Keep(requestIfDue(id, head, now, Trigger.SCAN));
        });
        sweeps.put(SCAN_KEY, walk.finished ? new SweepState(false, "", now)
                : new SweepState(true, walk.last, state.inProgress() ? state.startedMillis() : now));
    }

    private void sweep(String type, SweepSchedule schedule, long now) {
        SweepState state = Optional.ofNullable(sweeps.get(type)).orElse(SweepState.NEVER);
        if (!schedule.active(now, state.inProgress(), state.startedMillis())) {
            return;
        }
        if (!state.inProgress()) {
            LOG.info("scheduled sweep of {} starts", type);
            state = new SweepState(true, "", now);
        }
        Walk walk = walk(state.cursor(), (id, head) -> new Step.Keep(type.equals(head.aggregateType())
                ? requestIfDue(id, head, now, Trigger.SWEEP) : head));
        sweeps.put(type, walk.finished ? new SweepState(false, "", state.startedMillis())
                : new SweepState(true, walk.last, state.startedMillis()));
    }

    private void rebuild(RebuildJob job, long now) {
        int[] budget = {settings.rebuildBatch()};
        long[] longest = {job.longest()};
        Walk walk = walk(job.cursor(), (id, head) -> {
            if (budget[0] == 0) {
                return Step.STOP; // the next punctuation goes on from here
            }
            if (!job.aggregateType().equals(head.aggregateType())
                    || head.erasure().state() != StreamHead.ErasureState.NONE) {
                return new Step.Keep(head);
            }
            long length = head.headVersion() - settings.firstVersion() + 1;
            if (job.band() == RebuildJob.MEASURING) {
                longest[0] = Math.max(longest[0], length);
                return new Step.Keep(head);
            }
            if (length < 1L << job.band() || length >= 1L << (job.band() + 1)) {
                return new Step.Keep(head);
            }
            budget[0]--;
            return new Step.Keep(request(id, head, RequestReason.REBUILD, now));
        });
        if (!walk.finished) {
            rebuilds.put(job.aggregateType(), job.walking(job.band(), walk.last, longest[0]));
        } else if (job.band() == RebuildJob.MEASURING && longest[0] > 0) {
            int top = 63 - Long.numberOfLeadingZeros(longest[0]);
            rebuilds.put(job.aggregateType(), job.walking(top, "", longest[0]));
        } else if (job.band() > 0) {
            rebuilds.put(job.aggregateType(), job.walking(job.band() - 1, "", longest[0]));
        } else {
            LOG.info("schema rebuild of {} finished in this task", job.aggregateType());
            rebuilds.put(job.aggregateType(), job.finishedAt(now));
        }
    }

    /** Where a walk stopped: the last key it visited, and whether it reached the end of the store. */
    private record Walk(String last, boolean finished) {
    }

    /** What a walk does with one head: keep it (as it is, or changed), forget it, or stop before it. */
    private sealed interface Step {
        Step FORGET = new Forget();
        Step STOP = new Stop();

        record Keep(StreamHead head) implements Step {
        }

        record Forget() implements Step {
        }

        record Stop() implements Step {
        }
    }

    /** Decides the step for one head of a walk. */
    private interface Visitor {
        Step visit(String streamId, StreamHead head);
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
                Step step = visitor.visit(entry.key, entry.value);
                if (step instanceof Step.Stop) {
                    stopped = true;
                    break;
                }
                visited++;
                last = entry.key;
                Optional<StreamHead> next = step instanceof Step.Keep keep ? Optional.of(keep.head()) : Optional.empty();
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
