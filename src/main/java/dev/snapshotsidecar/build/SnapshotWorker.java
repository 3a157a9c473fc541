package dev.snapshotsidecar.build;

import dev.snapshotsidecar.request.MessageSerdes;
import dev.snapshotsidecar.request.SnapshotRequest;
import dev.snapshotsidecar.request.SnapshotResult;
import dev.snapshotsidecar.request.TrackerCommand;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;

/**
 * Consumes {@code snapshot-requests} in its own consumer group and builds snapshots on a bounded pool.
 * <ul>
 *   <li>Never two builds of one stream at once: requests for a stream that is being built wait, and only the newest
 *       of them is built when it finishes (the others are answered by it). A request that a snapshot this worker
 *       just built already covers is answered at once, with no build permit and no database round trip.</li>
 *   <li>Across the group: when a partition is revoked, its waiting requests are dropped (its new owner reads them
 *       again), its running builds stop before any write (each holds a {@link BuildLease} of the partition's
 *       assignment) and are waited for, and only then are its offsets committed and the partition let go. A lost
 *       partition's builds are fenced the same way, without waiting.</li>
 *   <li>Offsets are committed only up to the lowest request still in flight, so a crash loses no request; a
 *       redelivered one is a cheap ALREADY_CURRENT. A commit counts once the broker confirms it.</li>
 *   <li>Bounded: the consumer pauses while {@code max(64, 16 × concurrency)} requests are in flight, builds start at most
 *       {@code maxBuildsPerSecond} a second (token bucket), so a storm of due streams never floods the database.</li>
 *   <li>Transient database failures are retried with backoff; after {@code giveUpAfter} the result is FAILED and
 *       the tracker asks again later. A result is published (asynchronously, retried while Kafka refuses it)
 *       before its offset is committed. A request that cannot be read goes to dead letters, likewise before.</li>
 *   <li>A build that ends with an {@link Error} fails its stream with the error's name and frees its slot; an
 *       unrecoverable one ({@link VirtualMachineError} but a stack overflow) also makes the worker not alive, so the
 *       liveness probe fails and the platform restarts the process.</li>
 * </ul>
 * One poll thread owns the consumer; build threads own nothing but their build. Each build attempt is logged at DEBUG
 * on the logger {@code dev.snapshotsidecar.build.spans} (stream, start, end, outcome), never with a payload.
 * {@link #close()} is idempotent.
 */
public final class SnapshotWorker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SnapshotWorker.class);
    /** How long a revocation waits for the partition's running builds; they cannot write after it anyway. */
    static final Duration REVOCATION_WAIT = Duration.ofSeconds(30);
    static final int RECENT_STREAMS = 100_000;

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final ResultPublisher publisher;
    private final WorkerSettings settings;
    private final RetryingBuilder retrying;
    private final int maxInFlight;
    private final ExecutorService builds;
    private final Thread pollThread;
    private final ConcurrentLinkedQueue<Completion.Finished> finished = new ConcurrentLinkedQueue<>();
    private final Map<TopicPartition, PartitionProgress> progress = new HashMap<>();
    private final Map<TopicPartition, Integer> runningBuilds = new HashMap<>();
    /** The assignment each partition is in; a build's lease holds while it is the one the build started in. */
    private final Map<TopicPartition, Long> assignments = new ConcurrentHashMap<>();
    private final SingleFlight singleFlight = new SingleFlight();
    /** When each running build started (System.nanoTime), by stream: one runs per stream at a time. */
    private final Map<String, Long> buildsStarted = new ConcurrentHashMap<>();
    private final RecentBuilds recent = new RecentBuilds(RECENT_STREAMS);
    private final WorkerMetrics metrics = new WorkerMetrics();
    private final FoldMeter folds;
    private final Clock clock;
    private final ScheduledExecutorService reports = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "snapshot-fold-report");
        thread.setDaemon(true);
        return thread;
    });
    private long assignmentCounter;
    private int resultsPartitions;
    private long backlogMeasuredNanos;
    private volatile boolean running = true;
    private volatile Throwable failure;
    private volatile BiConsumer<SnapshotRequest, SnapshotResult> onFinished = (request, result) -> { };

    /** A worker whose builder's folds are not measured. */
    public SnapshotWorker(Map<String, String> clientProperties, String bootstrapServers, WorkerSettings settings,
                          SnapshotBuilder builder, MeterRegistry registry, Clock clock) {
        this(clientProperties, bootstrapServers, settings, builder, new FoldMeter(), registry, clock);
    }

    /**
     * @param folds measures the folds of {@code builder} (which reads its events and is called through it); what it
     *              measured is reported to every tracker task as {@link WorkerSettings#foldReports()} says, and
     *              counted in the worker's meters
     */
    public SnapshotWorker(Map<String, String> clientProperties, String bootstrapServers, WorkerSettings settings,
                          SnapshotBuilder builder, FoldMeter folds, MeterRegistry registry, Clock clock) {
        this.settings = settings;
        this.folds = folds;
        this.clock = clock;
        // requests are small: a few hundred may wait for the build threads, so the poll loop never starves them
        this.maxInFlight = Math.max(64, settings.concurrency() * 16);
        this.retrying = new RetryingBuilder(builder, new TokenBucket(settings.maxBuildsPerSecond(),
                TokenBucket.Clock.SYSTEM), settings.backoff(), settings.giveUpAfter(), metrics, clock,
                error -> failure = error);

        Properties consumerProps = new Properties();
        consumerProps.putAll(clientProperties);
        consumerProps.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        consumerProps.put(ConsumerConfig.GROUP_ID_CONFIG, settings.groupId());
        consumerProps.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        consumerProps.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // requests are written inside the tracker's transactions
        consumerProps.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        consumerProps.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, maxInFlight);
        this.consumer = new KafkaConsumer<>(consumerProps, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        new io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics(consumer).bindTo(registry);
        metrics.bindTo(registry);
        this.publisher = new ResultPublisher(clientProperties, bootstrapServers, settings.resultsTopic(),
                settings.deadLettersTopic(), settings.backoff(), metrics::retried);

        AtomicInteger threadNumber = new AtomicInteger();
        ThreadFactory factory = runnable -> {
            Thread thread = new Thread(runnable, "snapshot-build-" + threadNumber.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
        this.builds = Executors.newFixedThreadPool(settings.concurrency(), factory);
        this.pollThread = new Thread(this::pollLoop, "snapshot-worker-poll");
    }

    /**
     * Who hears of each finished build, once its result is published (the status page's recent builds); set before
     * {@link #start()}. Called on the producer's thread: it must be quick and must not throw.
     */
    public void onFinished(BiConsumer<SnapshotRequest, SnapshotResult> listener) {
        this.onFinished = listener;
    }

    public void start() {
        pollThread.start();
        long every = settings.foldReports().interval().toMillis();
        reports.scheduleWithFixedDelay(this::reportFolds, every, every, TimeUnit.MILLISECONDS);
    }

    /** On the reporting thread: what each type's folds cost since the last report, to every tracker task. */
    void reportFolds() {
        try {
            metrics.observeFolds(folds);
            String topic = settings.foldReports().commandsTopic();
            if (topic.isEmpty()) {
                return;
            }
            folds.drain().forEach((type, measure) -> publisher.command(topic,
                    TrackerCommand.foldSpeed(type, measure, clock.instant())));
        } catch (RuntimeException e) {
            LOG.warn("fold speeds not reported: {}", e.toString());
        }
    }

    /** The partitions of the requests topic assigned to this worker, in order. */
    public List<Integer> assignedPartitions() {
        return assignments.keySet().stream().map(TopicPartition::partition).sorted().toList();
    }

    /**
     * False once the poll thread has died, a build hit an unrecoverable JVM error, or a build has run longer than
     * {@link WorkerSettings#stuckAfter()} (hung: nothing in the process can stop it); a liveness probe fails then.
     */
    public boolean isAlive() {
        return pollThread.isAlive() && failure == null && hung().isEmpty();
    }

    /** Why the worker is not alive, when it is not. */
    public Optional<String> failure() {
        Throwable f = failure;
        if (f != null) {
            return Optional.of(f.getClass().getName());
        }
        if (pollThread.isAlive() || !running) {
            return hung();
        }
        return Optional.of("the poll thread has stopped");
    }

    /** The longest running build, when it has run past {@link WorkerSettings#stuckAfter()}. */
    private Optional<String> hung() {
        long now = System.nanoTime();
        return buildsStarted.entrySet().stream().filter(e -> now - e.getValue() > settings.stuckAfter().toNanos())
                .max(Comparator.comparingLong(e -> now - e.getValue()))
                .map(e -> "the build of " + e.getKey() + " has run for " + (now - e.getValue()) / 1_000_000_000L
                        + " s, past worker.stuck-build-timeout (" + settings.stuckAfter() + "): hung");
    }

    private void pollLoop() {
        try {
            consumer.subscribe(List.of(settings.requestsTopic()), new Rebalance());
            while (running) {
                drainFinished();
                commit(false);
                if (metrics.inFlight.get() >= maxInFlight) {
                    consumer.pause(consumer.assignment());
                    metrics.paused.set(1);
                } else if (!consumer.paused().isEmpty()) {
                    consumer.resume(consumer.paused());
                    metrics.paused.set(0);
                }
                // while builds run, poll briefly so finished ones are committed and replaced without delay
                Duration wait = metrics.inFlight.get() > 0 ? Duration.ofMillis(5) : Duration.ofMillis(100);
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(wait)) {
                    accept(record);
                }
                notePositions();
                measureBacklog();
            }
        } catch (WakeupException e) {
            // close() woke us up
        } catch (RuntimeException | Error e) {
            failure = e;
            LOG.error("snapshot worker stopped: {}", e.toString(), e);
        } finally {
            try {
                awaitRunning(progress.keySet(), Duration.ofSeconds(30));
                commit(true);
            } catch (RuntimeException e) {
                LOG.warn("final commit of the snapshot worker failed; requests will be redelivered: {}", e.toString());
            }
            consumer.close();
        }
    }

    /** The results topic's partitions, learnt once (a request naming another could never be answered). */
    private int resultsPartitions() {
        if (resultsPartitions == 0) {
            resultsPartitions = publisher.resultsPartitions();
        }
        return resultsPartitions;
    }

    /** After a poll: how far each assigned partition was read, transaction markers and aborted records included. */
    private void notePositions() {
        for (TopicPartition partition : consumer.assignment()) {
            try {
                long position = consumer.position(partition, Duration.ofMillis(100));
                progress.computeIfAbsent(partition, p -> new PartitionProgress()).reached(position);
            } catch (org.apache.kafka.common.errors.TimeoutException e) {
                // its committed offset is still being looked up: the next round will know
            }
        }
    }

    /** Records behind in the assigned partitions, plus those read and not finished; about once a second. */
    private void measureBacklog() {
        long now = System.nanoTime();
        if (now - backlogMeasuredNanos < 1_000_000_000L) {
            return;
        }
        backlogMeasuredNanos = now;
        long behind = 0;
        for (TopicPartition partition : consumer.assignment()) {
            behind += consumer.currentLag(partition).orElse(0);
        }
        metrics.backlog.set(behind + metrics.inFlight.get());
    }

    private void accept(ConsumerRecord<byte[], byte[]> record) {
        TopicPartition partition = new TopicPartition(record.topic(), record.partition());
        PartitionProgress partitionProgress = progress.computeIfAbsent(partition, p -> new PartitionProgress());
        partitionProgress.started(record.offset());
        metrics.inFlight.incrementAndGet();
        Job.Taken taken = new Job.Taken(partition, record.offset(), assignments.getOrDefault(partition, -1L));
        Optional<SnapshotRequest> request = Optional.empty();
        String problem;
        try {
            request = Optional.ofNullable(record.value())
                    .map(value -> MessageSerdes.REQUEST.deserialize(record.topic(), value));
            problem = request.isEmpty() ? "no value"
                    : record.key() == null || !request.get().streamId().equals(new String(record.key(),
                    StandardCharsets.UTF_8)) ? "the request's streamId is not its record key"
                    : request.get().resultsPartition().filter(p -> p >= resultsPartitions()).isPresent()
                    ? "the request names results partition " + request.get().resultsPartition().get() + " of "
                    + resultsPartitions() : "";
        } catch (SerializationException e) {
            problem = e.getMessage();
        }
        if (!problem.isEmpty()) {
            LOG.warn("request at {}-{}@{} cannot be read and goes to dead letters: {}", record.topic(),
                    record.partition(), record.offset(), problem);
            metrics.deadLettered();
            Completion completion = new Completion(Optional.empty(), List.of(taken), finished::add);
            publisher.deadLetter(record.key(), record.value(), record.topic(), record.partition(), record.offset(),
                    problem, completion::complete);
            return;
        }
        Job job = new Job(taken, request.get());
        if (singleFlight.admit(job)) {
            submit(List.of(job));
        }
    }

    /** Runs the requests that gathered for one stream in one task ({@link SingleFlight#plan}). */
    private void submit(List<Job> jobs) {
        List<Job> plan = SingleFlight.plan(jobs);
        Completion completion = new Completion(Optional.of(jobs.get(0).request().streamId()),
                jobs.stream().map(Job::taken).toList(), finished::add);
        jobs.forEach(j -> runningBuilds.merge(j.partition(), 1, Integer::sum));
        builds.execute(() -> run(plan, jobs, completion));
    }

    /** On a build thread: builds the plan, publishes its results, and completes the jobs exactly once. */
    private void run(List<Job> plan, List<Job> jobs, Completion completion) {
        List<SnapshotResult> results = new ArrayList<>();
        List<SnapshotRequest> answered = new ArrayList<>();
        String streamId = jobs.get(0).request().streamId();
        buildsStarted.put(streamId, System.nanoTime());
        try {
            for (Job job : plan) {
                Optional<SnapshotResult> cached = recent.answer(job.request());
                Optional<SnapshotResult> result = cached.isPresent() ? cached : retrying.build(job, lease(job));
                if (result.isEmpty()) {
                    completion.complete(false); // closing, or the partition moved: the request is read again
                    return;
                }
                if (cached.isPresent()) {
                    metrics.deduplicated();
                }
                if (lease(job).held()) {
                    recent.learn(job.request(), result.get()); // a fenced build's word is not this worker's to keep
                }
                results.add(result.get());
                answered.add(job.request());
                LOG.debug("snapshot of {} at version {}: {} in {} ms ({}; request {}-{}@{})", result.get().streamId(),
                        result.get().version(), result.get().outcome(), result.get().buildMillis(),
                        result.get().detail(), job.partition().topic(), job.partition().partition(), job.offset());
            }
        } catch (Throwable unexpected) {
            // nothing above should throw: whatever did must not leave the stream's slot taken
            LOG.error("a build job of {} died: {}", completion.streamId().orElse("?"),
                    unexpected.getClass().getName(), unexpected);
            if (RetryingBuilder.unrecoverable(unexpected)) {
                failure = unexpected; // out of memory and the like, outside a build too: the worker is not alive
            }
            completion.complete(false);
            return;
        } finally {
            buildsStarted.remove(streamId);
        }
        AtomicInteger unpublished = new AtomicInteger(results.size());
        Optional<Integer> partition = jobs.get(jobs.size() - 1).request().resultsPartition();
        for (SnapshotResult result : results) {
            publisher.result(result, partition, published -> {
                if (!published) {
                    completion.complete(false);
                } else if (unpublished.decrementAndGet() == 0) {
                    results.forEach(r -> metrics.finished(r.outcome(), r.buildMillis()));
                    for (int i = 0; i < results.size(); i++) {
                        try {
                            onFinished.accept(answered.get(i), results.get(i));
                        } catch (RuntimeException e) {
                            LOG.warn("a listener of finished builds failed: {}", e.toString());
                        }
                    }
                    completion.complete(true);
                }
            });
        }
        if (results.isEmpty()) {
            completion.complete(true);
        }
    }

    /** Holds while the worker runs and the job's partition is still in the assignment it was read in. */
    private BuildLease lease(Job job) {
        return () -> running && assignments.getOrDefault(job.partition(), -2L) == job.taken().assignment();
    }

    /** On the poll thread: marks finished jobs done and starts the next build of each stream that has one waiting. */
    private void drainFinished() {
        Completion.Finished done;
        while ((done = finished.poll()) != null) {
            for (Job.Taken taken : done.taken()) {
                PartitionProgress p = progress.get(taken.partition());
                if (p != null && done.completed()) {
                    p.finished(taken.offset());
                }
                if (done.streamId().isPresent()) {
                    runningBuilds.computeIfPresent(taken.partition(), (k, n) -> n > 1 ? n - 1 : null);
                }
                metrics.inFlight.decrementAndGet();
            }
            done.streamId().ifPresent(streamId -> {
                List<Job> next = singleFlight.finished(streamId, running);
                if (!next.isEmpty()) {
                    submit(next);
                }
            });
        }
    }

    private void commit(boolean sync) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        progress.forEach((partition, p) -> p.committable().ifPresent(position -> {
            offsets.put(partition, new OffsetAndMetadata(position));
            p.committing(position);
        }));
        if (offsets.isEmpty()) {
            return;
        }
        if (sync) {
            consumer.commitSync(offsets);
            offsets.forEach((partition, position) -> Optional.ofNullable(progress.get(partition))
                    .ifPresent(p -> p.committed(position.offset())));
        } else {
            // the callback runs on this thread, inside a later poll
            consumer.commitAsync(offsets, (committed, e) -> offsets.forEach((partition, position) ->
                    Optional.ofNullable(progress.get(partition)).ifPresent(p -> {
                        if (e == null) {
                            p.committed(position.offset());
                        } else {
                            p.commitFailed();
                        }
                    })));
        }
    }

    /** Waits until no build of the partitions runs, finishing what finishes meanwhile. */
    private void awaitRunning(Collection<TopicPartition> partitions, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (partitions.stream().anyMatch(runningBuilds::containsKey) && System.nanoTime() < deadline) {
            drainFinished();
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Drops the requests of the partitions that wait for a running build of their stream: never started here. */
    private void dropWaiting(Collection<TopicPartition> partitions) {
        int dropped = singleFlight.drop(job -> partitions.contains(job.partition()));
        metrics.inFlight.addAndGet(-dropped);
    }

    @Override
    public void close() {
        if (!running) {
            return;
        }
        running = false;
        reports.shutdownNow();
        consumer.wakeup();
        try {
            pollThread.join(Duration.ofSeconds(60).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        builds.shutdownNow();
        try {
            builds.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        publisher.close();
    }

    /**
     * Before a partition moves to another instance, its waiting requests are dropped, its builds are fenced and
     * waited for, and its offsets are committed; a lost partition's builds are fenced without waiting.
     */
    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            if (partitions.isEmpty()) {
                return;
            }
            partitions.forEach(assignments::remove); // running builds of these partitions write nothing more
            dropWaiting(partitions);
            awaitRunning(partitions, REVOCATION_WAIT);
            List<TopicPartition> stillRunning = partitions.stream().filter(runningBuilds::containsKey).toList();
            if (!stillRunning.isEmpty()) {
                LOG.warn("builds of {} still run after {}; they are fenced and will write nothing", stillRunning,
                        REVOCATION_WAIT);
            }
            try {
                commit(true);
            } catch (RuntimeException e) {
                LOG.warn("committing before giving up {} failed ({}); its requests will be read again", partitions,
                        e.getClass().getSimpleName());
            }
            partitions.forEach(progress::remove);
            recent.clear(); // another worker may change these streams now
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            partitions.forEach(p -> assignments.put(p, ++assignmentCounter));
            recent.clear();
            LOG.info("snapshot worker assigned {}", partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            LOG.warn("snapshot worker lost {}: its builds are fenced and its requests left to the new owner",
                    partitions);
            partitions.forEach(assignments::remove);
            dropWaiting(partitions);
            partitions.forEach(progress::remove);
            recent.clear();
        }
    }
}
