package dev.snapshotsidecar.build;

import dev.snapshotsidecar.store.TransientStoreException;
import dev.snapshotsidecar.track.Outcome;
import dev.snapshotsidecar.track.RequestReason;
import dev.snapshotsidecar.track.SnapshotRequest;
import dev.snapshotsidecar.track.SnapshotResult;
import dev.snapshotsidecar.track.TrackerTopology;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Optional;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Consumes {@code snapshot-requests} in its own consumer group and builds snapshots on a bounded pool.
 * <ul>
 *   <li>Never two builds of one stream at once: requests for a stream that is being built wait, and only the newest
 *       of them is built when it finishes (the others are answered by it).</li>
 *   <li>Offsets are committed only up to the lowest request still in flight, so a crash loses no request; a
 *       redelivered one is a cheap ALREADY_CURRENT.</li>
 *   <li>Bounded: the consumer pauses while {@code max(64, 16 × concurrency)} requests are in flight, builds start at most
 *       {@code maxBuildsPerSecond} a second (token bucket), so a storm of due streams never floods the database.</li>
 *   <li>Transient database failures are retried with backoff; after {@code giveUpAfter} the result is FAILED and
 *       the tracker asks again later. A result is published (asynchronously, retried while Kafka refuses it)
 *       before its offset is committed.</li>
 * </ul>
 * One poll thread owns the consumer; build threads own nothing but their build. {@link #close()} is idempotent.
 */
public final class SnapshotWorker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SnapshotWorker.class);

    private final KafkaConsumer<String, byte[]> consumer;
    private final KafkaProducer<String, SnapshotResult> producer;
    private final String requestsTopic;
    private final String resultsTopic;
    private final SnapshotBuilder builder;
    private final int maxInFlight;
    private final Backoff backoff;
    private final Duration giveUpAfter;
    private final Clock clock;
    private final ExecutorService builds;
    private final java.util.concurrent.ScheduledExecutorService retryLater =
            Executors.newSingleThreadScheduledExecutor(runnable -> {
                Thread thread = new Thread(runnable, "snapshot-result-retry");
                thread.setDaemon(true);
                return thread;
            });
    private final Thread pollThread;
    private final ConcurrentLinkedQueue<Finished> finished = new ConcurrentLinkedQueue<>();
    private final Map<TopicPartition, PartitionProgress> progress = new HashMap<>();
    private final Map<String, Deque<Job>> waitingByStream = new HashMap<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Map<Outcome, Counter> outcomes = new EnumMap<>(Outcome.class);
    private final Timer buildTimer;
    private final Timer rateLimitWaits;
    private final Counter retries;
    private final TokenBucket rateLimit;
    private final java.util.concurrent.atomic.AtomicLong backlog = new java.util.concurrent.atomic.AtomicLong();
    private long backlogMeasuredNanos;
    private volatile boolean running = true;
    private volatile Throwable failure;

    public SnapshotWorker(Map<String, String> clientProperties, String bootstrapServers, String groupId,
                          String requestsTopic, String resultsTopic, SnapshotBuilder builder, int concurrency,
                          int maxBuildsPerSecond, Backoff backoff, Duration giveUpAfter, MeterRegistry registry,
                          Clock clock) {
        this.requestsTopic = requestsTopic;
        this.resultsTopic = resultsTopic;
        this.builder = builder;
        // requests are small: a few hundred may wait for the build threads, so the poll loop never starves them
        this.maxInFlight = Math.max(64, concurrency * 16);
        this.rateLimit = new TokenBucket(maxBuildsPerSecond, TokenBucket.Clock.SYSTEM);
        this.backoff = backoff;
        this.giveUpAfter = giveUpAfter;
        this.clock = clock;

        Properties consumerProps = new Properties();
        consumerProps.putAll(clientProperties);
        consumerProps.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        consumerProps.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        consumerProps.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        consumerProps.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // requests are written inside the tracker's transactions
        consumerProps.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        consumerProps.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, maxInFlight);
        consumerProps.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        consumerProps.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        this.consumer = new KafkaConsumer<>(consumerProps);
        new io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics(consumer).bindTo(registry);

        Properties producerProps = new Properties();
        producerProps.putAll(clientProperties);
        producerProps.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
        producerProps.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        producerProps.put(ProducerConfig.LINGER_MS_CONFIG, 5); // results are sent asynchronously: batching is free
        this.producer = new KafkaProducer<>(producerProps, new StringSerializer(), TrackerTopology.RESULT_SERDE);

        AtomicInteger threadNumber = new AtomicInteger();
        ThreadFactory factory = runnable -> {
            Thread thread = new Thread(runnable, "snapshot-build-" + threadNumber.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
        this.builds = Executors.newFixedThreadPool(concurrency, factory);
        this.pollThread = new Thread(this::pollLoop, "snapshot-worker-poll");

        for (Outcome outcome : Outcome.values()) {
            outcomes.put(outcome, Counter.builder("sidecar.build.results").tag("outcome", outcome.name())
                    .description("Builds finished, by outcome").baseUnit("builds").register(registry));
        }
        buildTimer = Timer.builder("sidecar.build.duration").description("Time to build one snapshot")
                .register(registry);
        retries = Counter.builder("sidecar.build.retries")
                .description("Build attempts retried after a transient database or Kafka failure")
                .baseUnit("attempts").register(registry);
        Gauge.builder("sidecar.build.in.flight", inFlight, AtomicInteger::get)
                .description("Requests taken from Kafka and not yet finished").baseUnit("requests").register(registry);
        Gauge.builder("sidecar.build.backlog", backlog, java.util.concurrent.atomic.AtomicLong::get)
                .description("Requests waiting: not yet read from Kafka, or read and not yet finished")
                .baseUnit("requests").register(registry);
        rateLimitWaits = Timer.builder("sidecar.build.rate.limit.wait")
                .description("Time builds waited for the builds-per-second limit").register(registry);
    }

    public void start() {
        pollThread.start();
    }

    /** False once the poll thread has died; a liveness probe fails then. */
    public boolean isAlive() {
        return pollThread.isAlive() && failure == null;
    }

    private void pollLoop() {
        try {
            consumer.subscribe(List.of(requestsTopic), new Rebalance());
            while (running) {
                drainFinished();
                commit(false);
                if (inFlight.get() >= maxInFlight) {
                    consumer.pause(consumer.assignment());
                } else if (!consumer.paused().isEmpty()) {
                    consumer.resume(consumer.paused());
                }
                // while builds run, poll briefly so finished ones are committed and replaced without delay
                Duration wait = inFlight.get() > 0 ? Duration.ofMillis(5) : Duration.ofMillis(100);
                for (ConsumerRecord<String, byte[]> record : consumer.poll(wait)) {
                    accept(record);
                }
                measureBacklog();
            }
        } catch (WakeupException e) {
            // close() woke us up
        } catch (RuntimeException e) {
            failure = e;
            LOG.error("snapshot worker stopped: {}", e.toString(), e);
        } finally {
            try {
                awaitInFlight(progress.keySet(), Duration.ofSeconds(30));
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
        backlog.set(behind + inFlight.get());
    }

    private void accept(ConsumerRecord<String, byte[]> record) {
        TopicPartition partition = new TopicPartition(record.topic(), record.partition());
        PartitionProgress partitionProgress = progress.computeIfAbsent(partition, p -> new PartitionProgress());
        SnapshotRequest request;
        try {
            request = TrackerTopology.REQUEST_SERDE.deserialize(record.topic(), record.value());
        } catch (RuntimeException e) {
            LOG.error("request at {}-{}@{} cannot be read and is skipped: {}", record.topic(), record.partition(),
                    record.offset(), e.getMessage());
            partitionProgress.started(record.offset());
            partitionProgress.finished(record.offset());
            return;
        }
        partitionProgress.started(record.offset());
        inFlight.incrementAndGet();
        Job job = new Job(partition, record.offset(), request);
        Deque<Job> waiting = waitingByStream.get(request.streamId());
        if (waiting != null) {
            waiting.add(job); // a build of this stream is running: single-flight
        } else {
            waitingByStream.put(request.streamId(), new ArrayDeque<>());
            submit(List.of(job));
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
                .max(java.util.Comparator.comparingLong(j -> j.request.headVersion())).ifPresent(plan::add);
        String streamId = jobs.get(0).request.streamId();
        builds.execute(() -> {
            List<SnapshotResult> results = new ArrayList<>();
            for (Job job : plan) {
                SnapshotResult result = buildWithRetry(job);
                if (result == null) {
                    finished.add(new Finished(streamId, jobs, false));
                    return;
                }
                results.add(result);
                LOG.debug("snapshot of {} at version {}: {} in {} ms ({}; request {}-{}@{})", result.streamId(),
                        result.version(), result.outcome(), result.buildMillis(), result.detail(),
                        job.partition.topic(), job.partition.partition(), job.offset);
            }
            AtomicInteger unpublished = new AtomicInteger(results.size());
            Optional<Integer> partition = jobs.get(jobs.size() - 1).request.resultsPartition();
            for (SnapshotResult result : results) {
                publish(result, partition, 1, published -> {
                    if (!published) {
                        finished.add(new Finished(streamId, jobs, false));
                    } else if (unpublished.decrementAndGet() == 0) {
                        results.forEach(r -> {
                            outcomes.get(r.outcome()).increment();
                            buildTimer.record(Duration.ofMillis(r.buildMillis()));
                        });
                        finished.add(new Finished(streamId, jobs, true));
                    }
                });
            }
        });
    }

    /** The result, or null when the worker is closing before one could be had (the request is redelivered). */
    private SnapshotResult buildWithRetry(Job job) {
        long started = clock.millis();
        for (int attempt = 1; ; attempt++) {
            try {
                rateLimitWaits.record(rateLimit.acquire());
                return builder.build(job.request);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            } catch (TransientStoreException e) {
                long elapsed = clock.millis() - started;
                if (elapsed >= giveUpAfter.toMillis()) {
                    return SnapshotResult.of(job.request.streamId(), job.request.headVersion(), Outcome.FAILED,
                            "database unavailable for " + elapsed + " ms: " + e.getMessage(), elapsed);
                }
                Duration wait = backoff.delay(attempt);
                LOG.warn("build of {} at version {} (request {}-{}@{}): {}; attempt {} in {} ms",
                        job.request.streamId(), job.request.headVersion(), job.partition.topic(),
                        job.partition.partition(), job.offset, e.getMessage(), attempt + 1, wait.toMillis());
                retries.increment();
                if (!pause(wait)) {
                    return null;
                }
            } catch (RuntimeException e) {
                LOG.error("build of {} at version {} failed unexpectedly: {}", job.request.streamId(),
                        job.request.headVersion(), e.getClass().getName(), e);
                return SnapshotResult.of(job.request.streamId(), job.request.headVersion(), Outcome.FAILED,
                        "unexpected " + e.getClass().getSimpleName() + " while building", clock.millis() - started);
            }
        }
    }

    /**
     * Publishes the result without holding a build thread; when Kafka refuses it (after the producer's own retries)
     * it is sent again after a backoff. {@code done} hears true once it is written, false if the worker closes first.
     */
    private void publish(SnapshotResult result, Optional<Integer> partition, int attempt,
                         java.util.function.Consumer<Boolean> done) {
        if (!running && attempt > 1) {
            done.accept(false);
            return;
        }
        try {
            // the tracker task holding the stream's head reads this partition (null: the key decides)
            ProducerRecord<String, SnapshotResult> record = new ProducerRecord<>(resultsTopic, partition.orElse(null),
                    result.streamId(), result);
            producer.send(record, (metadata, e) -> {
                if (e == null) {
                    done.accept(true);
                    return;
                }
                Duration wait = backoff.delay(attempt);
                LOG.warn("publishing the result of {} at version {} failed: {}; attempt {} in {} ms",
                        result.streamId(), result.version(), e.getClass().getSimpleName(), attempt + 1,
                        wait.toMillis());
                retries.increment();
                try {
                    retryLater.schedule(() -> publish(result, partition, attempt + 1, done), wait.toMillis(),
                            TimeUnit.MILLISECONDS);
                } catch (java.util.concurrent.RejectedExecutionException closing) {
                    done.accept(false);
                }
            });
        } catch (RuntimeException e) {
            // the producer is closed, or refused the record outright
            LOG.warn("publishing the result of {} failed: {}", result.streamId(), e.getClass().getSimpleName());
            done.accept(false);
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
                inFlight.decrementAndGet();
            }
            Deque<Job> waiting = waitingByStream.get(done.streamId);
            if (waiting == null || waiting.isEmpty() || !running) {
                waitingByStream.remove(done.streamId);
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
            p.committed(position);
        }));
        if (offsets.isEmpty()) {
            return;
        }
        if (sync) {
            consumer.commitSync(offsets);
        } else {
            consumer.commitAsync(offsets, (committed, e) -> {
                if (e != null) {
                    LOG.warn("committing request offsets failed ({}); they are committed again later or redelivered",
                            e.getClass().getSimpleName());
                }
            });
        }
    }

    private void awaitInFlight(Collection<TopicPartition> partitions, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (partitions.stream().map(progress::get).anyMatch(p -> p != null && p.inFlight() > 0)
                && System.nanoTime() < deadline) {
            drainFinished();
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
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
        retryLater.shutdownNow();
        try {
            builds.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(Duration.ofSeconds(10));
    }

    private record Job(TopicPartition partition, long offset, SnapshotRequest request) {
    }

    private record Finished(String streamId, List<Job> jobs, boolean completed) {
    }

    /** Before a partition moves to another instance, its builds finish and their offsets are committed. */
    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            awaitInFlight(partitions, Duration.ofSeconds(60));
            commit(true);
            partitions.forEach(progress::remove);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            LOG.info("snapshot worker assigned {}", partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            partitions.forEach(progress::remove);
        }
    }
}
