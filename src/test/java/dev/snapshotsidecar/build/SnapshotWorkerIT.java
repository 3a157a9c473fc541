package dev.snapshotsidecar.build;

import dev.snapshotsidecar.request.MessageSerdes;
import dev.snapshotsidecar.testkit.DemoStack;
import dev.snapshotsidecar.store.TransientStoreException;
import dev.snapshotsidecar.testing.Poll;
import dev.snapshotsidecar.testing.SharedStack;
import dev.snapshotsidecar.request.Outcome;
import dev.snapshotsidecar.request.RequestReason;
import dev.snapshotsidecar.request.SnapshotRequest;
import dev.snapshotsidecar.request.SnapshotResult;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.SQLTransientConnectionException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** The worker on a real broker, with builders that observe how they are called. */
@ExtendWith(SharedStack.class)
class SnapshotWorkerIT {
    static final Duration DEADLINE = Duration.ofMinutes(2);

    /** Records concurrent builds per stream and overall; each build takes a few milliseconds of "work". */
    static final class ObservingBuilder implements SnapshotBuilder {
        final Map<String, AtomicInteger> running = new ConcurrentHashMap<>();
        final AtomicInteger runningOverall = new AtomicInteger();
        final AtomicInteger maxPerStream = new AtomicInteger();
        final AtomicInteger maxOverall = new AtomicInteger();
        final AtomicInteger builds = new AtomicInteger();

        final Duration work;

        ObservingBuilder(Duration work) {
            this.work = work;
        }

        ObservingBuilder() {
            this(Duration.ofMillis(15));
        }

        @Override
        public SnapshotResult build(SnapshotRequest request, BuildLease lease) {
            int mine = running.computeIfAbsent(request.streamId(), k -> new AtomicInteger()).incrementAndGet();
            int all = runningOverall.incrementAndGet();
            maxPerStream.accumulateAndGet(mine, Math::max);
            maxOverall.accumulateAndGet(all, Math::max);
            try {
                burn(work);
                if (!lease.held()) {
                    throw new LeaseLostException(request.streamId());
                }
                builds.incrementAndGet();
                return request.answer(request.headVersion(), Outcome.WRITTEN, "observed", work.toMillis());
            } finally {
                running.get(request.streamId()).decrementAndGet();
                runningOverall.decrementAndGet();
            }
        }

        private static void burn(Duration work) {
            long end = System.nanoTime() + work.toNanos();
            while (System.nanoTime() < end) {
                Thread.onSpinWait();
            }
        }
    }

    static SnapshotWorker worker(String name, SnapshotBuilder builder, SimpleMeterRegistry meters) {
        return worker(name, builder, meters, 10_000);
    }

    static SnapshotWorker worker(String name, SnapshotBuilder builder, SimpleMeterRegistry meters, int perSecond) {
        return worker(name, builder, meters, perSecond, Duration.ofMinutes(15));
    }

    static SnapshotWorker worker(String name, SnapshotBuilder builder, SimpleMeterRegistry meters, int perSecond,
                                 Duration stuckAfter) {
        DemoStack stack = SharedStack.stack();
        stack.createTopics(4, name + "-requests", name + "-results", name + "-dead-letters");
        return new SnapshotWorker(Map.of(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "6000"),
                stack.kafka().bootstrapServers(), new WorkerSettings(name + "-builder", name + "-requests",
                name + "-results", name + "-dead-letters", 4, perSecond,
                new Backoff(Duration.ofMillis(20), Duration.ofMillis(200)), Duration.ofMinutes(1), stuckAfter),
                builder, meters, Clock.systemUTC());
    }

    static void request(String topic, String streamId, long head) throws Exception {
        try (KafkaProducer<String, SnapshotRequest> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedStack.stack().kafka().bootstrapServers()),
                new StringSerializer(), MessageSerdes.REQUEST)) {
            producer.send(new ProducerRecord<>(topic, streamId, SnapshotRequest.of(streamId, "patient", head, -1,
                    RequestReason.THRESHOLD, Instant.now()))).get();
        }
    }

    static Map<String, Long> latestResults(String topic, int expectedStreams) {
        Map<String, Long> latest = new HashMap<>();
        try (KafkaConsumer<String, SnapshotResult> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedStack.stack().kafka().bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, topic + "-reader",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
                new StringDeserializer(), MessageSerdes.RESULT)) {
            consumer.subscribe(List.of(topic));
            Poll.until("results for every stream at its newest requested version", DEADLINE, () -> {
                for (ConsumerRecord<String, SnapshotResult> r : consumer.poll(Duration.ofMillis(200))) {
                    latest.merge(r.key(), r.value().version(), Math::max);
                }
                return latest.size() == expectedStreams && latest.values().stream().allMatch(v -> v == 19);
            }, latest::toString);
        }
        return latest;
    }

    @Test
    @DisplayName("two workers that rebalance never build one stream at once, newest request wins, no commit overtakes")
    void singleFlightAcrossWorkers() throws Exception {
        String name = "worker-single-flight";
        ObservingBuilder builder = new ObservingBuilder(Duration.ofMillis(40)); // shared: counts across both workers
        try (KafkaProducer<String, SnapshotRequest> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedStack.stack().kafka().bootstrapServers()),
                new StringSerializer(), MessageSerdes.REQUEST)) {
            for (int head = 0; head < 20; head++) {
                for (int s = 0; s < 10; s++) {
                    String id = "patient-w" + s;
                    producer.send(new ProducerRecord<>(name + "-requests", id, SnapshotRequest.of(id, "patient", head,
                            -1, RequestReason.THRESHOLD, Instant.now())));
                }
            }
            producer.flush();
        }
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        List<String> overtaken = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (SnapshotWorker first = worker(name, builder, meters)) {
            first.start();
            Poll.until("the first worker builds", DEADLINE, () -> builder.builds.get() >= 5,
                    () -> builder.builds.get() + " builds");
            // a second worker joins while builds run: partitions are revoked from the first mid-build
            try (SnapshotWorker second = worker(name, builder, new SimpleMeterRegistry())) {
                second.start();
                Poll.until("both workers done and every offset committed", DEADLINE, () -> {
                    overtaken.addAll(commitsAhead(name, builder));
                    return lag(name) == 0;
                }, () -> "lag " + lag(name));
                assertThat(latestResults(name + "-results", 10).values()).containsOnly(19L);
            }
        }
        assertThat(overtaken).as("committed offsets whose request had no result published yet").isEmpty();
        assertThat(builder.maxPerStream.get()).as("builds of one stream at once, across both workers").isEqualTo(1);
        assertThat(builder.maxOverall.get()).as("builds of different streams at once").isGreaterThan(1);
        assertThat(builder.builds.get()).as("superseded requests are answered by the newest build, not built")
                .isLessThan(200);
    }

    /**
     * The requests below each partition's committed offset whose stream has no result at or above their version
     * yet: a commit that overtook an unfinished request. Results are published before offsets are committed, so
     * every one of them must already be readable.
     */
    static List<String> commitsAhead(String name, ObservingBuilder builder) {
        List<String> ahead = new java.util.ArrayList<>();
        Map<String, Long> answered = new HashMap<>();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                SharedStack.stack().kafka().bootstrapServers()));
             KafkaConsumer<String, SnapshotResult> results = new KafkaConsumer<>(Map.of(
                     ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedStack.stack().kafka().bootstrapServers()),
                     new StringDeserializer(), MessageSerdes.RESULT);
             KafkaConsumer<String, SnapshotRequest> requests = new KafkaConsumer<>(Map.of(
                     ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedStack.stack().kafka().bootstrapServers()),
                     new StringDeserializer(), MessageSerdes.REQUEST)) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(name + "-builder")
                    .partitionsToOffsetAndMetadata().get();
            readAll(results, name + "-results", r -> answered.merge(r.key(), r.value().version(), Math::max));
            readAll(requests, name + "-requests", r -> {
                OffsetAndMetadata c = committed.get(new TopicPartition(r.topic(), r.partition()));
                if (c != null && r.offset() < c.offset() && answered.getOrDefault(r.key(), -1L) < r.value().headVersion()) {
                    ahead.add(r.topic() + "-" + r.partition() + "@" + r.offset());
                }
            });
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return ahead;
    }

    static <V> void readAll(KafkaConsumer<String, V> consumer, String topic,
                            java.util.function.Consumer<ConsumerRecord<String, V>> each) {
        List<TopicPartition> partitions = java.util.stream.IntStream.range(0, 4)
                .mapToObj(p -> new TopicPartition(topic, p)).toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
        while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
            consumer.poll(Duration.ofMillis(200)).forEach(each);
        }
    }

    @Test
    @DisplayName("an Error in one build fails that stream with its reason and frees its slot; others go on")
    void errorsInBuilds() throws Exception {
        String name = "worker-errors";
        SnapshotBuilder plugin = (request, lease) -> {
            switch (request.streamId()) {
                case "patient-e-overflow" -> throw new StackOverflowError();
                case "patient-e-linkage" -> throw new NoClassDefFoundError("com/example/Missing");
                default -> {
                    return request.answer(request.headVersion(), Outcome.WRITTEN, "ok", 1);
                }
            }
        };
        for (String id : List.of("patient-e-overflow", "patient-e-linkage", "patient-e-fine")) {
            request(name + "-requests", id, 19);
        }
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        Map<String, SnapshotResult> results = new ConcurrentHashMap<>();
        try (SnapshotWorker worker = worker(name, plugin, meters)) {
            worker.start();
            readResults(name + "-results", results, 3);
            Poll.until("every request committed", DEADLINE, () -> lag(name) == 0, () -> "lag " + lag(name));
            assertThat(worker.isAlive()).as("a stream's error does not take the worker down").isTrue();
            assertThat(meters.get("sidecar.build.in.flight").gauge().value()).as("every slot is free").isZero();
        }
        assertThat(results.get("patient-e-overflow").outcome()).isEqualTo(Outcome.FAILED);
        assertThat(results.get("patient-e-overflow").detail()).contains("StackOverflowError");
        assertThat(results.get("patient-e-linkage").outcome()).isEqualTo(Outcome.FAILED);
        assertThat(results.get("patient-e-linkage").detail()).contains("NoClassDefFoundError");
        assertThat(results.get("patient-e-fine").outcome()).isEqualTo(Outcome.WRITTEN);
        assertThat(meters.get("sidecar.build.errors").counter().count()).isEqualTo(2);
    }

    @Test
    @DisplayName("an OutOfMemoryError in a build fails its stream, frees its slot and makes the worker not alive")
    void fatalError() throws Exception {
        String name = "worker-fatal";
        SnapshotBuilder starving = (request, lease) -> {
            throw new OutOfMemoryError("Java heap space");
        };
        request(name + "-requests", "patient-oom", 19);
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        Map<String, SnapshotResult> results = new ConcurrentHashMap<>();
        try (SnapshotWorker worker = worker(name, starving, meters)) {
            worker.start();
            readResults(name + "-results", results, 1);
            Poll.until("the worker reports itself not alive", DEADLINE, () -> !worker.isAlive(), () -> "alive");
            assertThat(worker.failure()).contains(OutOfMemoryError.class.getName());
            Poll.until("the slot is freed", DEADLINE,
                    () -> meters.get("sidecar.build.in.flight").gauge().value() == 0,
                    () -> "in flight " + meters.get("sidecar.build.in.flight").gauge().value());
        }
        assertThat(results.get("patient-oom").outcome()).isEqualTo(Outcome.FAILED);
        assertThat(results.get("patient-oom").detail()).contains("OutOfMemoryError");
    }

    @Test
    @DisplayName("a build that never returns makes the worker not alive once worker.stuck-build-timeout passes;"
            + " the other streams go on building")
    void hungBuild() throws Exception {
        String name = "worker-hung";
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        SnapshotBuilder hanging = (request, lease) -> {
            if (request.streamId().equals("patient-hung")) {
                try {
                    release.await(); // a fold that never returns, a driver that never answers
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return new SnapshotResult(SnapshotResult.FORMAT, request.streamId(), request.headVersion(),
                    Outcome.WRITTEN, "", 1, request.incarnation(), request.reason(), request.aggregateType());
        };
        request(name + "-requests", "patient-hung", 19);
        request(name + "-requests", "patient-fine", 19);
        Map<String, SnapshotResult> results = new ConcurrentHashMap<>();
        try (SnapshotWorker worker = worker(name, hanging, new SimpleMeterRegistry(), 10_000,
                Duration.ofSeconds(2))) {
            worker.start();
            readResults(name + "-results", results, 1);
            assertThat(results).containsOnlyKeys("patient-fine");
            Poll.until("the worker reports itself not alive", DEADLINE, () -> !worker.isAlive(), () -> "alive");
            assertThat(worker.failure().orElseThrow()).contains("patient-hung").contains("worker.stuck-build-timeout");
            release.countDown();
            Poll.until("alive again once the build returns", DEADLINE, worker::isAlive,
                    () -> worker.failure().orElse("?"));
        }
    }

    @Test
    @DisplayName("a duplicate of a request already answered costs no build permit and no database round trip")
    void duplicatesAreFree() throws Exception {
        String name = "worker-duplicates";
        ObservingBuilder builder = new ObservingBuilder(Duration.ofMillis(1));
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        Map<String, SnapshotResult> results = new ConcurrentHashMap<>();
        request(name + "-requests", "patient-d1", 19);
        try (SnapshotWorker worker = worker(name, builder, meters)) {
            worker.start();
            readResults(name + "-results", results, 1);
            for (int i = 0; i < 5; i++) {
                request(name + "-requests", "patient-d1", 19); // the tracker's resends of the same request
            }
            Poll.until("the duplicates are answered and committed", DEADLINE, () -> lag(name) == 0
                            && meters.get("sidecar.build.deduplicated").counter().count() == 5,
                    () -> "lag " + lag(name) + ", deduplicated "
                            + meters.get("sidecar.build.deduplicated").counter().count());
        }
        assertThat(builder.builds.get()).as("built once").isEqualTo(1);
        assertThat(meters.get("sidecar.build.rate.limit.wait").timer().count()).as("one permit taken").isEqualTo(1);
    }

    @Test
    @DisplayName("a request that cannot be read goes to dead letters with its reason, and the rest are built")
    void unreadableRequests() throws Exception {
        String name = "worker-garbage";
        ObservingBuilder builder = new ObservingBuilder(Duration.ofMillis(1));
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        SharedStack.stack().createTopics(4, name + "-requests", name + "-results", name + "-dead-letters");
        List<byte[]> garbage = List.of("not json".getBytes(java.nio.charset.StandardCharsets.UTF_8),
                "{\"v\":3}".getBytes(java.nio.charset.StandardCharsets.UTF_8),
                MessageSerdes.REQUEST.serialize("t", SnapshotRequest.of("patient-other", "patient", 1, -1,
                        RequestReason.THRESHOLD, Instant.now())),
                MessageSerdes.REQUEST.serialize("t", SnapshotRequest.of("patient-g1", "patient", 1, -1,
                        RequestReason.THRESHOLD, Instant.now()).toPartition(9)));
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedStack.stack().kafka().bootstrapServers()),
                new org.apache.kafka.common.serialization.ByteArraySerializer(),
                new org.apache.kafka.common.serialization.ByteArraySerializer())) {
            // the last two are well formed: one keyed by another stream, one naming a results partition the topic lacks
            for (byte[] value : garbage) {
                producer.send(new ProducerRecord<>(name + "-requests", "patient-g1".getBytes(), value)).get();
            }
        }
        request(name + "-requests", "patient-g2", 19);
        Map<String, SnapshotResult> results = new ConcurrentHashMap<>();
        try (SnapshotWorker worker = worker(name, builder, meters)) {
            worker.start();
            readResults(name + "-results", results, 1);
            Poll.until("every request committed", DEADLINE, () -> lag(name) == 0, () -> "lag " + lag(name));
            assertThat(worker.isAlive()).isTrue();
        }
        List<ConsumerRecord<byte[], byte[]>> letters = new java.util.ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedStack.stack().kafka().bootstrapServers()),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer(),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
            List<TopicPartition> partitions = java.util.stream.IntStream.range(0, 4)
                    .mapToObj(p -> new TopicPartition(name + "-dead-letters", p)).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Poll.until("the garbage reaches the dead letters", DEADLINE, () -> {
                consumer.poll(Duration.ofMillis(200)).forEach(letters::add);
                return letters.size() >= garbage.size();
            }, () -> letters.size() + " letters");
        }
        assertThat(letters).hasSize(garbage.size());
        assertThat(letters).extracting(ConsumerRecord::value).containsExactlyInAnyOrderElementsOf(garbage);
        assertThat(letters).allSatisfy(r -> {
            assertThat(new String(r.headers().lastHeader(dev.snapshotsidecar.request.DeadLetters.TOPIC_HEADER).value()))
                    .isEqualTo(name + "-requests");
            assertThat(r.headers().lastHeader(dev.snapshotsidecar.request.DeadLetters.REASON_HEADER)).isNotNull();
        });
        assertThat(results.get("patient-g2").outcome()).isEqualTo(Outcome.WRITTEN);
        assertThat(meters.get("sidecar.build.dead.letters").counter().count()).isEqualTo(4);
    }

    /** Reads results until {@code expected} streams have one. */
    static void readResults(String topic, Map<String, SnapshotResult> into, int expected) {
        try (KafkaConsumer<String, SnapshotResult> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedStack.stack().kafka().bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, topic + "-reader-" + System.nanoTime(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
                new StringDeserializer(), MessageSerdes.RESULT)) {
            consumer.subscribe(List.of(topic));
            Poll.until(expected + " streams have a result", DEADLINE, () -> {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> into.put(r.key(), r.value()));
                return into.size() >= expected;
            }, into::toString);
        }
    }

    @Test
    @DisplayName("a request written in a transaction, as the tracker writes them, is committed past its marker")
    void committedPastTransactionMarkers() throws Exception {
        String name = "worker-transactional";
        ObservingBuilder builder = new ObservingBuilder(Duration.ofMillis(1));
        SharedStack.stack().createTopics(4, name + "-requests", name + "-results", name + "-dead-letters");
        try (KafkaProducer<String, SnapshotRequest> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedStack.stack().kafka().bootstrapServers(),
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, name + "-tracker"), new StringSerializer(),
                dev.snapshotsidecar.request.MessageSerdes.REQUEST)) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(name + "-requests", 0, "patient-t1", SnapshotRequest.of("patient-t1",
                    "patient", 19, -1, RequestReason.THRESHOLD, Instant.now())));
            producer.commitTransaction();
        }
        try (SnapshotWorker worker = worker(name, builder, new SimpleMeterRegistry())) {
            worker.start();
            Poll.until("the worker commits to the end of the partition, its commit marker included", DEADLINE,
                    () -> lag(name) == 0, () -> "lag " + lag(name));
        }
        assertThat(builder.builds.get()).isEqualTo(1);
    }

    @Test
    @DisplayName("a database outage is retried with backoff and the request is not lost")
    void retriesTransientFailures() throws Exception {
        String name = "worker-retry";
        AtomicInteger failuresLeft = new AtomicInteger(3);
        SnapshotBuilder flaky = (request, lease) -> {
            if (failuresLeft.getAndDecrement() > 0) {
                throw new TransientStoreException("reading events", Optional.of("08006"), 0,
                        new SQLTransientConnectionException("connection refused"));
            }
            return SnapshotResult.of(request.streamId(), request.headVersion(), Outcome.WRITTEN, "after retries", 1);
        };
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        request(name + "-requests", "patient-r1", 19);
        try (SnapshotWorker worker = worker(name, flaky, meters)) {
            worker.start();
            assertThat(latestResults(name + "-results", 1)).containsEntry("patient-r1", 19L);
            assertThat(worker.isAlive()).isTrue();
        }
        assertThat(meters.get("sidecar.build.retries").counter().count()).isEqualTo(3);
    }

    @Test
    @DisplayName("a storm of 50,000 streams due at once never exceeds the builds-per-second limit, and all get built")
    void storm() throws Exception {
        String name = "worker-storm";
        int streams = Integer.getInteger("storm.streams", 50_000);
        int limit = 2_000;
        java.util.concurrent.ConcurrentLinkedQueue<Long> starts = new java.util.concurrent.ConcurrentLinkedQueue<>();
        java.util.Set<String> built = ConcurrentHashMap.newKeySet();
        SnapshotBuilder timed = (request, lease) -> {
            starts.add(System.nanoTime());
            built.add(request.streamId());
            return SnapshotResult.of(request.streamId(), request.headVersion(), Outcome.WRITTEN, "storm", 0);
        };
        SharedStack.stack().createTopics(4, name + "-requests", name + "-results");
        // one request in flight per connection: a loaded 2-core broker otherwise answers a burst of idempotent
        // batches with OUT_OF_ORDER_SEQUENCE retries that can outlast the delivery timeout
        try (KafkaProducer<String, SnapshotRequest> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedStack.stack().kafka().bootstrapServers(),
                ProducerConfig.LINGER_MS_CONFIG, 20, ProducerConfig.BATCH_SIZE_CONFIG, 262_144,
                ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1), new StringSerializer(),
                MessageSerdes.REQUEST)) {
            List<java.util.concurrent.Future<?>> sent = new java.util.ArrayList<>();
            for (int s = 0; s < streams; s++) {
                String id = "patient-storm-" + s;
                sent.add(producer.send(new ProducerRecord<>(name + "-requests", id, SnapshotRequest.of(id, "patient", 49,
                        -1, RequestReason.THRESHOLD, Instant.now()))));
            }
            for (java.util.concurrent.Future<?> f : sent) {
                f.get(); // every request of the storm is in the topic
            }
        }
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        long began = System.nanoTime();
        try (SnapshotWorker worker = worker(name, timed, meters, limit)) {
            worker.start();
            Poll.until("every stream of the storm built and committed", Duration.ofMinutes(3),
                    () -> built.size() >= streams && lag(name) == 0,
                    () -> built.size() + " streams built (" + starts.size() + " builds), lag " + lag(name));
        }
        long[] sorted = starts.stream().mapToLong(Long::longValue).sorted().toArray();
        int busiestSecond = 0;
        for (int i = 0, j = 0; i < sorted.length; i++) {
            while (sorted[i] - sorted[j] >= 1_000_000_000L) {
                j++;
            }
            busiestSecond = Math.max(busiestSecond, i - j + 1);
        }
        double seconds = (sorted[sorted.length - 1] - sorted[0]) / 1e9;
        double average = sorted.length / seconds;
        System.out.printf("storm: %d builds in %.1f s (%.0f/s on average, %d in the busiest second; limit %d/s)%n",
                sorted.length, seconds, average, busiestSecond, limit);
        assertThat(built).hasSize(streams);
        assertThat(busiestSecond).as("builds in any one second").isLessThanOrEqualTo(limit + 1);
        assertThat(average).isLessThanOrEqualTo(limit * 1.01);
        assertThat(meters.get("sidecar.build.rate.limit.wait").timer().count()).isEqualTo(sorted.length);
        assertThat((System.nanoTime() - began) / 1e9).isGreaterThan(streams / (double) limit * 0.9);
    }

    static long lag(String name) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                SharedStack.stack().kafka().bootstrapServers()))) {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(name + "-builder")
                    .partitionsToOffsetAndMetadata().get();
            Map<TopicPartition, OffsetSpec> latest = committed.isEmpty() ? Map.of()
                    : java.util.stream.IntStream.range(0, 4).boxed().collect(Collectors.toMap(
                    p -> new TopicPartition(name + "-requests", p), p -> OffsetSpec.latest()));
            long lag = committed.isEmpty() ? Long.MAX_VALUE : 0;
            for (var end : admin.listOffsets(latest).all().get().entrySet()) {
                OffsetAndMetadata c = committed.get(end.getKey());
                lag += end.getValue().offset() - (c == null ? 0 : c.offset());
            }
            return lag;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
