package dev.snapshotsidecar.build;

import dev.snapshotsidecar.request.MessageSerdes;
import dev.snapshotsidecar.store.TransientStoreException;
import dev.snapshotsidecar.request.Outcome;
import dev.snapshotsidecar.request.RequestReason;
import dev.snapshotsidecar.request.SnapshotRequest;
import dev.snapshotsidecar.request.SnapshotResult;
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
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

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
    private static final Logger SPANS = LoggerFactory.getLogger("dev.snapshotsidecar.build.spans");
    /** How long a revocation waits for the partition's running builds; they cannot write after it anyway. */
    static final Duration REVOCATION_WAIT = Duration.ofSeconds(30);
    static final int RECENT_STREAMS = 100_000;

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final ResultPublisher publisher;
    private final WorkerSettings settings;
    private final SnapshotBuilder builder;
    private final int maxInFlight;
    private final Clock clock;
    private final ExecutorService builds;
    private final Thread pollThread;
    private final ConcurrentLinkedQueue<Finished> finished = new ConcurrentLinkedQueue<>();
    private final Map<TopicPartition, PartitionProgress> progress = new HashMap<>();
    private final Map<TopicPartition, Integer> runningBuilds = new HashMap<>();
    /** The assignment each partition is in; a build's lease holds while it is the one the build started in. */
    private final Map<TopicPartition, Long> assignments = new ConcurrentHashMap<>();
    private final Map<String, Deque<Job>> waitingByStream = new HashMap<>();
    private final TokenBucket rateLimit;
    private final RecentBuilds recent = new RecentBuilds(RECENT_STREAMS);
    private final WorkerMetrics metrics = new WorkerMetrics();
    private long assignmentCounter;
    private long backlogMeasuredNanos;
    private volatile boolean running = true;
    private volatile Throwable failure;

    public SnapshotWorker(Map<String, String> clientProperties, String bootstrapServers, WorkerSettings settings,
                          SnapshotBuilder builder, MeterRegistry registry, Clock clock) {
        this.settings = settings;
        this.builder = builder;
        // requests are small: a few hundred may wait for the build threads, so the poll loop never starves them
        this.maxInFlight = Math.max(64, settings.concurrency() * 16);
        this.rateLimit = new TokenBucket(settings.maxBuildsPerSecond(), TokenBucket.Clock.SYSTEM);
        this.clock = clock;

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

    public void start() {
        pollThread.start();
    }

    /** False once the poll thread has died or a build hit an unrecoverable JVM error; a liveness probe fails then. */
    public boolean isAlive() {
        return pollThread.isAlive() && failure == null;
    }

    /** Why the worker is not alive, when it is not. */
    public Optional<String> failure() {
        Throwable f = failure;
        if (f != null) {
            return Optional.of(f.getClass().getName());
        }
        return pollThread.isAlive() || !running ? Optional.empty() : Optional.of("the poll thread has stopped");
    }

    private void pollLoop() {
        try {
            consumer.subscribe(List.of(settings.requestsTopic()), new Rebalance());
            while (running) {
                drainFinished();
                commit(false);
                if (metrics.inFlight.get() >= maxInFlight) {
                    consumer.pause(consumer.assignment());
                } else if (!consumer.paused().isEmpty()) {
                    consumer.resume(consumer.paused());
                }
                // while builds run, poll briefly so finished ones are committed and replaced without delay
                Duration wait = metrics.inFlight.get() > 0 ? Duration.ofMillis(5) : Duration.ofMillis(100);
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(wait)) {
                    accept(record);
                }
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
        Job job = new Job(partition, record.offset(), assignments.getOrDefault(partition, -1L), null);
        Optional<String> problem = Optional.empty();
        SnapshotRequest request = null;
        try {
            request = record.value() == null ? null
                    : MessageSerdes.REQUEST.deserialize(record.topic(), record.value());
            if (request == null) {
                problem = Optional.of("no value");
            } else if (record.key() == null
                    || !request.streamId().equals(new String(record.key(), StandardCharsets.UTF_8))) {
                problem = Optional.of("the request's streamId is not its record key");
            }
        } catch (SerializationException e) {
            problem = Optional.of(e.getMessage());
        }
        if (problem.isPresent()) {
            LOG.warn("request at {}-{}@{} cannot be read and goes to dead letters: {}", record.topic(),
                    record.partition(), record.offset(), problem.get());
            metrics.deadLettered();
            Completion completion = new Completion(Optional.empty(), List.of(job));
            publisher.deadLetter(record.key(), record.value(), record.topic(), record.partition(), record.offset(),
                    problem.get(), completion::complete);
            return;
        }
        Job built = new Job(partition, record.offset(), job.assignment(), request);
        Deque<Job> waiting = waitingByStream.get(request.streamId());
        if (waiting != null) {
            waiting.add(built); // a build of this stream is running: single-flight
        } else {
            waitingByStream.put(request.streamId(), new ArrayDeque<>());
            submit(List.of(built));
        }
    }

    /**
     * Runs the requests that gathered for one stream, in one task: the last ERASE among them (builds requested
     * before it are moot, the events are gone), then the newest build requested after it. All of them finish with it.
     */
    private void submit(List<Job> jobs) {
        int lastErase = -1;
        for (int i = 0; i < jobs.size(); i++) {
            if (jobs.get(i).request.reason() == RequestReason.ERASE) {
                lastErase = i;
            }
        }
        List<Job> plan = new ArrayList<>();
        if (lastErase >= 0) {
            plan.add(jobs.get(lastErase));
        }
        jobs.subList(lastErase + 1, jobs.size()).stream()
                .max(Comparator.comparingLong(j -> j.request.headVersion())).ifPresent(plan::add);
        String streamId = jobs.get(0).request.streamId();
        Completion completion = new Completion(Optional.of(streamId), jobs);
        jobs.forEach(j -> runningBuilds.merge(j.partition, 1, Integer::sum));
        builds.execute(() -> run(plan, jobs, completion));
    }

    /** On a build thread: builds the plan, publishes its results, and completes the jobs exactly once. */
    private void run(List<Job> plan, List<Job> jobs, Completion completion) {
        List<SnapshotResult> results = new ArrayList<>();
        try {
            for (Job job : plan) {
                Optional<SnapshotResult> cached = recent.answer(job.request);
                Optional<SnapshotResult> result = cached.isPresent() ? cached : buildWithRetry(job);
                if (result.isEmpty()) {
                    completion.complete(false); // closing, or the partition moved: the request is read again
                    return;
                }
                if (cached.isPresent()) {
                    metrics.deduplicated();
                }
                recent.learn(job.request, result.get());
                results.add(result.get());
                LOG.debug("snapshot of {} at version {}: {} in {} ms ({}; request {}-{}@{})", result.get().streamId(),
                        result.get().version(), result.get().outcome(), result.get().buildMillis(),
                        result.get().detail(), job.partition.topic(), job.partition.partition(), job.offset);
            }
        } catch (Throwable unexpected) {
            // nothing above should throw: whatever did must not leave the stream's slot taken
            LOG.error("a build job of {} died: {}", completion.streamId.orElse("?"),
                    unexpected.getClass().getName(), unexpected);
            completion.complete(false);
            return;
        }
        AtomicInteger unpublished = new AtomicInteger(results.size());
        Optional<Integer> partition = jobs.get(jobs.size() - 1).request.resultsPartition();
        for (SnapshotResult result : results) {
            publisher.result(result, partition, published -> {
                if (!published) {
                    completion.complete(false);
                } else if (unpublished.decrementAndGet() == 0) {
                    results.forEach(r -> metrics.finished(r.outcome(), r.buildMillis()));
                    completion.complete(true);
                }
            });
        }
        if (results.isEmpty()) {
            completion.complete(true);
        }
    }

    /** The result; empty when the worker closes or the request's partition moved before one could be had. */
    private Optional<SnapshotResult> buildWithRetry(Job job) {
        long started = clock.millis();
        SnapshotRequest request = job.request;
        BuildLease lease = () -> running && assignments.getOrDefault(job.partition, -2L) == job.assignment;
        for (int attempt = 1; ; attempt++) {
            if (!lease.held()) {
                return Optional.empty();
            }
            try {
                metrics.waitedForPermit(rateLimit.acquire());
                return Optional.of(attempt(request, lease));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            } catch (LeaseLostException e) {
                LOG.info("{}", e.getMessage());
                return Optional.empty();
            } catch (TransientStoreException e) {
                long elapsed = clock.millis() - started;
                if (elapsed >= settings.giveUpAfter().toMillis()) {
                    return Optional.of(request.answer(request.headVersion(), Outcome.FAILED,
                            "database unavailable for " + elapsed + " ms: " + e.getMessage(), elapsed));
                }
                Duration wait = settings.backoff().delay(attempt);
                LOG.warn("build of {} at version {} (request {}-{}@{}): {}; attempt {} in {} ms",
                        request.streamId(), request.headVersion(), job.partition.topic(),
                        job.partition.partition(), job.offset, e.getMessage(), attempt + 1, wait.toMillis());
                metrics.retried();
                if (!pause(wait)) {
                    return Optional.empty();
                }
            } catch (RuntimeException e) {
                LOG.error("build of {} at version {} failed unexpectedly: {}", request.streamId(),
                        request.headVersion(), e.getClass().getName(), e);
                return Optional.of(request.answer(request.headVersion(), Outcome.FAILED,
                        "unexpected " + e.getClass().getSimpleName() + " while building", clock.millis() - started));
            } catch (StackOverflowError | LinkageError | AssertionError e) {
                // one stream's fold (a plugin's missing class, a recursion too deep): that stream fails, others go on
                metrics.jobDied();
                LOG.error("build of {} at version {} ended with {}", request.streamId(), request.headVersion(),
                        e.getClass().getName(), e);
                return Optional.of(request.answer(request.headVersion(), Outcome.FAILED,
                        e.getClass().getSimpleName() + " while building", clock.millis() - started));
            } catch (Error e) {
                // out of memory and the like: this JVM cannot be trusted to go on; report the stream and go not-live
                metrics.jobDied();
                failure = e;
                LOG.error("build of {} at version {} ended with {}: the worker is no longer alive and the process"
                        + " should be restarted", request.streamId(), request.headVersion(), e.getClass().getName());
                return Optional.of(request.answer(request.headVersion(), Outcome.FAILED,
                        e.getClass().getSimpleName() + " while building", clock.millis() - started));
            }
        }
    }

    /** One call of the builder, logged as a span for whoever measures builds across instances. */
    private SnapshotResult attempt(SnapshotRequest request, BuildLease lease) {
        long start = System.currentTimeMillis();
        String outcome = "ERROR";
        try {
            SnapshotResult result = builder.build(request, lease);
            outcome = result.outcome().name();
            return result;
        } catch (LeaseLostException e) {
            outcome = "LEASE_LOST";
            throw e;
        } catch (TransientStoreException e) {
            outcome = "RETRY";
            throw e;
        } finally {
            if (SPANS.isDebugEnabled()) {
                SPANS.debug("build span stream={} start={} end={} outcome={}", request.streamId(), start,
                        System.currentTimeMillis(), outcome);
            }
        }
    }

    private boolean pause(Duration wait) {
        if (!running) {
            return false;
        }
        try {
            Thread.sleep(wait.toMillis());
            return running;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** On the poll thread: marks finished jobs done and starts the next build of each stream that has one waiting. */
    private void drainFinished() {
        Finished done;
        while ((done = finished.poll()) != null) {
            for (Job job : done.jobs) {
                PartitionProgress p = progress.get(job.partition);
                if (p != null && done.completed) {
                    p.finished(job.offset);
                }
                if (done.streamId.isPresent()) {
                    runningBuilds.computeIfPresent(job.partition, (k, n) -> n > 1 ? n - 1 : null);
                }
                metrics.inFlight.decrementAndGet();
            }
            if (done.streamId.isEmpty()) {
                continue;
            }
            String streamId = done.streamId.get();
            Deque<Job> waiting = waitingByStream.get(streamId);
            if (waiting == null || waiting.isEmpty() || !running) {
                waitingByStream.remove(streamId);
            } else {
                List<Job> next = new ArrayList<>(waiting);
                waiting.clear();
                submit(next);
            }
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
        for (Deque<Job> waiting : waitingByStream.values()) {
            for (Iterator<Job> it = waiting.iterator(); it.hasNext(); ) {
                if (partitions.contains(it.next().partition)) {
                    it.remove();
                    metrics.inFlight.decrementAndGet();
                }
            }
        }
    }

    @Override
    public void close() {
        if (!running) {
            return;
        }
        running = false;
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

    /** One request read from a partition; {@code request} is null for one that could not be read. */
    private record Job(TopicPartition partition, long offset, long assignment, SnapshotRequest request) {
    }

    /** Jobs that are done, completed (their offsets may be committed) or not (they will be read again). */
    private record Finished(Optional<String> streamId, List<Job> jobs, boolean completed) {
    }

    /** Hands the jobs of one submission back to the poll thread exactly once, whatever path ends them. */
    private final class Completion {
        private final Optional<String> streamId;
        private final List<Job> jobs;
        private final AtomicBoolean done = new AtomicBoolean();

        Completion(Optional<String> streamId, List<Job> jobs) {
            this.streamId = streamId;
            this.jobs = jobs;
        }

        void complete(boolean completed) {
            if (done.compareAndSet(false, true)) {
                finished.add(new Finished(streamId, jobs, completed));
            }
        }
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
