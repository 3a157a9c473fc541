package dev.snapshotsidecar.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.zaxxer.hikari.HikariDataSource;
import dev.snapshotsidecar.runtime.Sidecar;
import dev.snapshotsidecar.build.BuildRules;
import dev.snapshotsidecar.build.BuildLease;
import dev.snapshotsidecar.build.FoldingSnapshotBuilder;
import dev.snapshotsidecar.config.Partitioning;
import dev.snapshotsidecar.build.Folds;
import dev.snapshotsidecar.fold.AggregatorFold;
import dev.snapshotsidecar.config.SidecarConfig;
import dev.snapshotsidecar.testkit.ClinicalEvents;
import dev.snapshotsidecar.clinical.PatientAggregator;
import dev.snapshotsidecar.clinical.PatientState;
import dev.snapshotsidecar.fold.AggregatorRegistry;
import dev.snapshotsidecar.fold.StoredEvent;
import dev.snapshotsidecar.ingest.AggregateTypeResolver;
import dev.snapshotsidecar.ingest.ChangeEventParser;
import dev.snapshotsidecar.observe.SidecarMetrics;
import dev.snapshotsidecar.pipeline.PipelineTopics;
import dev.snapshotsidecar.store.DialectStores;
import dev.snapshotsidecar.store.EventAppender.NewEvent;
import dev.snapshotsidecar.store.SnapshottingRepository;
import dev.snapshotsidecar.store.StoredSnapshot;
import dev.snapshotsidecar.testing.EventStoreProbe;
import dev.snapshotsidecar.testing.Poll;
import dev.snapshotsidecar.testing.SharedStack;
import dev.snapshotsidecar.request.RequestReason;
import dev.snapshotsidecar.request.SnapshotRequest;
import dev.snapshotsidecar.track.PlacementProbe;
import dev.snapshotsidecar.track.TrackerMetrics;
import dev.snapshotsidecar.track.TrackerTopology;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The benchmark suite ({@code ./mvnw -q -Pbench verify}): every figure against a baseline measured in the same run,
 * on the real PostgreSQL and broker. Writes {@code target/bench/results.json} and {@code target/bench/results.md}.
 * It asserts only that each benchmark ran to completion, never a time.
 */
@ExtendWith(SharedStack.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SidecarBench {
    static final ObjectMapper JSON = new ObjectMapper();
    static final ObjectNode RESULTS = JSON.createObjectNode();
    static final StringBuilder TABLE = new StringBuilder();

    static DialectStores stores(String schema, String name) {
        SidecarConfig config = SharedStack.stack().sidecarConfig("bench", Map.of("SIDECAR_DATABASE_SCHEMA", schema,
                "SIDECAR_DATABASE_POOL_SIZE", "20"));
        HikariDataSource pool = DialectStores.pool(config.database(), name);
        DialectStores stores = DialectStores.of(config.database(), pool);
        stores.schema().createEventsTable();
        stores.schema().createSnapshotsTable();
        return stores;
    }

    static void write(DialectStores stores, String streamId, int length) {
        ClinicalEvents script = new ClinicalEvents(streamId, 0, streamId.hashCode());
        List<NewEvent> batch = new ArrayList<>();
        for (int v = 0; v < length; v++) {
            batch.add(script.next());
            if (batch.size() == 2000) {
                stores.appender().append(batch);
                batch = new ArrayList<>();
            }
        }
        if (!batch.isEmpty()) {
            stores.appender().append(batch);
        }
    }

    static FoldingSnapshotBuilder builder(DialectStores stores) {
        return new FoldingSnapshotBuilder(stores.snapshots(), stores.events(),
                Folds.of(Map.of("patient", new AggregatorFold<>(new PatientAggregator()))),
                Map.of("patient", new BuildRules(3, 16L << 20)), 0, Clock.systemUTC());
    }

    static SnapshotRequest request(String streamId, long head) {
        return SnapshotRequest.of(streamId, "patient", head, -1, RequestReason.THRESHOLD, Instant.now());
    }

    @Test
    @Order(1)
    void rehydration() throws Exception {
        DialectStores stores = stores("bench_rehydration", "bench-rehydration");
        int[] lengths = {100, 500, 1247, 4000};
        int streamsPerLength = 8;
        int tail = 150;
        FoldingSnapshotBuilder builder = builder(stores);
        for (int length : lengths) {
            for (int i = 0; i < streamsPerLength; i++) {
                String id = "patient-r" + length + "-" + i;
                write(stores, id, length);
                if (length > tail + 1) {
                    assertThat(builder.build(request(id, length - 1 - tail), BuildLease.ALWAYS).outcome().name()).isEqualTo("WRITTEN");
                }
            }
        }
        SnapshottingRepository<PatientState> repository = new SnapshottingRepository<>(stores.snapshots(),
                stores.events(), new PatientAggregator(), 0);
        ObjectNode rehydration = RESULTS.putObject("rehydration");
        ArrayNode rows = rehydration.putArray("byLength");
        TABLE.append("\n### Rehydration: full replay vs latest snapshot + tail (").append(tail)
                .append(" events after the snapshot; no snapshot under that length)\n\n")
                .append("| events | readers | full p50 | full p95 | full p99 | snapshot p50 | snapshot p95 | snapshot p99 | p95 ratio |\n")
                .append("|---|---|---|---|---|---|---|---|---|\n");
        for (int readers : new int[]{1, 16}) {
            for (int length : lengths) {
                List<String> ids = new ArrayList<>();
                for (int i = 0; i < streamsPerLength; i++) {
                    ids.add("patient-r" + length + "-" + i);
                }
                int loadsPerReader = readers == 1 ? 400 : 40;
                measureLoads(repository, ids, readers, readers == 1 ? 20 : 3); // warm-up
                List<BenchStats> measured = measureLoads(repository, ids, readers, loadsPerReader);
                BenchStats full = measured.get(0);
                BenchStats snapshot = measured.get(1);
                double ratio = full.p(95) / snapshot.p(95);
                ObjectNode row = rows.addObject().put("events", length).put("readers", readers);
                full.into(row, "fullReplay");
                snapshot.into(row, "withSnapshot");
                row.put("ratio", BenchStats.round(ratio));
                TABLE.append(String.format("| %,d | %d | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.1fx |%n", length,
                        readers, full.p(50), full.p(95), full.p(99), snapshot.p(50), snapshot.p(95), snapshot.p(99),
                        ratio));
            }
        }
        rehydrationTails(stores, builder, repository, rehydration);
    }

    /**
     * The fixed cost of a load: streams of 4,000 events with a snapshot 0, 50, 100 and 150 events behind the head.
     * Each load is paired with a full replay of the same stream and with its floor: one round trip (the last version
     * of a stream that has no event) plus folding the same tail, already in memory, onto the snapshot's state,
     * already parsed.
     */
    static void rehydrationTails(DialectStores stores, FoldingSnapshotBuilder builder,
                                 SnapshottingRepository<PatientState> repository, ObjectNode rehydration)
            throws Exception {
        int length = 4000;
        int streams = 8;
        PatientAggregator aggregator = new PatientAggregator();
        ArrayNode rows = rehydration.putArray("byTail");
        TABLE.append("\n### Rehydration at a fixed cost: 4,000-event streams, the snapshot T events behind the head\n\n")
                .append("Floor: one round trip plus folding the same T events, in memory, onto the snapshot's state,"
                        + " already parsed.\n\n")
                .append("| tail T | readers | full p95 | load p50 | load p95 | load p99 | floor p50 | floor p95"
                        + " | snapshot parse p50 | full/load p95 | load/floor p50 |\n")
                .append("|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (int tail : new int[]{0, 50, 100, 150}) {
            List<String> ids = new ArrayList<>();
            Map<String, PatientState> states = new HashMap<>();
            Map<String, String> snapshotJson = new HashMap<>();
            Map<String, List<StoredEvent>> tails = new HashMap<>();
            for (int i = 0; i < streams; i++) {
                String id = "patient-t" + tail + "-" + i;
                write(stores, id, length);
                assertThat(builder.build(request(id, length - 1 - tail), BuildLease.ALWAYS).outcome().name())
                        .isEqualTo("WRITTEN");
                StoredSnapshot snapshot = stores.snapshots().latest(id, aggregator.schemaVersion()).orElseThrow();
                states.put(id, aggregator.fromJson(snapshot.data()));
                snapshotJson.put(id, snapshot.data());
                List<StoredEvent> events = new ArrayList<>();
                stores.events().read(id, snapshot.version() + 1, Long.MAX_VALUE, events::add);
                assertThat(events).hasSize(tail);
                tails.put(id, events);
                ids.add(id);
            }
            for (int readers : new int[]{1, 16}) {
                int loads = readers == 1 ? 400 : 40;
                List<Double> full = Collections.synchronizedList(new ArrayList<>());
                List<Double> load = Collections.synchronizedList(new ArrayList<>());
                List<Double> floor = Collections.synchronizedList(new ArrayList<>());
                List<Double> parse = Collections.synchronizedList(new ArrayList<>());
                for (int pass = 0; pass < 2; pass++) { // a warm-up pass, then the measured one
                    boolean measured = pass == 1;
                    int n = measured ? loads : (readers == 1 ? 40 : 5);
                    ExecutorService pool = Executors.newFixedThreadPool(readers);
                    try {
                        List<Future<?>> done = new ArrayList<>();
                        for (int r = 0; r < readers; r++) {
                            int reader = r;
                            done.add(pool.submit(() -> {
                                for (int k = 0; k < n; k++) {
                                    String id = ids.get((reader + k) % ids.size());
                                    long t0 = System.nanoTime();
                                    Optional<?> replayed = repository.replay(id);
                                    long t1 = System.nanoTime();
                                    SnapshottingRepository.Loaded<PatientState> loaded = repository.load(id)
                                            .orElseThrow();
                                    long t2 = System.nanoTime();
                                    stores.events().lastVersion("patient-absent");
                                    PatientState state = states.get(id);
                                    for (StoredEvent e : tails.get(id)) {
                                        state = aggregator.apply(state, e);
                                    }
                                    long t3 = System.nanoTime();
                                    PatientState parsed = aggregator.fromJson(snapshotJson.get(id));
                                    long t4 = System.nanoTime();
                                    assertThat(parsed).isNotNull();
                                    assertThat(replayed).isPresent();
                                    assertThat(loaded.eventsReplayed()).isEqualTo(tail);
                                    assertThat(state).isNotNull();
                                    if (measured) {
                                        full.add((t1 - t0) / 1e6);
                                        load.add((t2 - t1) / 1e6);
                                        floor.add((t3 - t2) / 1e6);
                                        parse.add((t4 - t3) / 1e6);
                                    }
                                }
                            }));
                        }
                        for (Future<?> f : done) {
                            f.get();
                        }
                    } finally {
                        pool.shutdownNow();
                    }
                }
                BenchStats fullStats = BenchStats.ofMillis(full);
                BenchStats loadStats = BenchStats.ofMillis(load);
                BenchStats floorStats = BenchStats.ofMillis(floor);
                BenchStats parseStats = BenchStats.ofMillis(parse);
                double speedup = fullStats.p(95) / loadStats.p(95);
                double overFloor = loadStats.p(50) / floorStats.p(50);
                ObjectNode row = rows.addObject().put("events", length).put("tail", tail).put("readers", readers);
                fullStats.into(row, "fullReplay");
                loadStats.into(row, "load");
                floorStats.into(row, "floor");
                parseStats.into(row, "snapshotParse");
                row.put("snapshotBytes", snapshotJson.values().stream().mapToInt(String::length).sum()
                        / snapshotJson.size());
                row.put("fullOverLoadP95", BenchStats.round(speedup)).put("loadOverFloorP50",
                        BenchStats.round(overFloor));
                if (tail == 0 && readers == 1) {
                    rehydration.put("tail0P95Ratio", BenchStats.round(speedup));
                }
                TABLE.append(String.format("| %d | %d | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.0fx | %.2fx |%n",
                        tail, readers, fullStats.p(95), loadStats.p(50), loadStats.p(95), loadStats.p(99),
                        floorStats.p(50), floorStats.p(95), parseStats.p(50), speedup, overFloor));
            }
        }
    }

    /**
     * Each reader loads its streams in turn, each one by full replay and then by snapshot + tail, so that both ways
     * see the same moments of a noisy machine. Returns the full-replay and the snapshot timings.
     */
    static List<BenchStats> measureLoads(SnapshottingRepository<PatientState> repository, List<String> ids,
                                         int readers, int loadsPerReader) throws Exception {
        List<Double> full = Collections.synchronizedList(new ArrayList<>());
        List<Double> snapshot = Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = Executors.newFixedThreadPool(readers);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int r = 0; r < readers; r++) {
                int reader = r;
                done.add(pool.submit(() -> {
                    for (int n = 0; n < loadsPerReader; n++) {
                        String id = ids.get((reader + n) % ids.size());
                        long t0 = System.nanoTime();
                        Optional<?> replayed = repository.replay(id);
                        long t1 = System.nanoTime();
                        Optional<?> loaded = repository.load(id);
                        long t2 = System.nanoTime();
                        full.add((t1 - t0) / 1e6);
                        snapshot.add((t2 - t1) / 1e6);
                        assertThat(replayed).isPresent();
                        assertThat(loaded).isPresent();
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        return List.of(BenchStats.ofMillis(full), BenchStats.ofMillis(snapshot));
    }

    @Test
    @Order(2)
    void tracker() throws Exception {
        int streams = 10_000;
        int perStream = Integer.getInteger("bench.tracker.events-per-stream", 100);
        long total = (long) streams * perStream;
        String topic = "bench-changes";
        SharedStack.stack().createTopics(4, topic);
        long produced = System.nanoTime();
        produce(topic, "patient-t", streams, perStream);
        System.out.printf("tracker: %,d change events produced in %.1f s%n", total, (System.nanoTime() - produced) / 1e9);

        // The machine is shared: each tracker run is paired with a ceiling run right before it, and the default
        // configuration runs bench.tracker.rounds times; its ratio is the median of the pairs'.
        int rounds = Integer.getInteger("bench.tracker.rounds", 3);
        List<Double> ratios = new ArrayList<>();
        List<Double> ceilings = new ArrayList<>();
        List<Double> rates = new ArrayList<>();
        List<Double> cpuRatios = new ArrayList<>();
        List<Double> ceilingCpu = new ArrayList<>();
        List<Double> streamCpu = new ArrayList<>();
        List<Double> appCpu = new ArrayList<>();
        String placement = "";
        for (int round = 0; round < rounds; round++) {
            double ceiling = ceiling(topic, total, "bench-ceiling-" + round);
            TrackerRun eos = trackerRun(topic, total, streams, perStream, "exactly_once_v2", "auto", "-" + round);
            ceilings.add(ceiling);
            rates.add(eos.perSecond());
            ratios.add(eos.perSecond() / ceiling);
            placement = eos.placement();
            ceilingCpu.add(lastCeilingCpuMicros);
            streamCpu.add(eos.streamThreadCpuMicros());
            appCpu.add(eos.allThreadsCpuMicros());
            cpuRatios.add(lastCeilingCpuMicros / eos.streamThreadCpuMicros());
        }
        double alosCeiling = ceiling(topic, total, "bench-ceiling-alos");
        TrackerRun alos = trackerRun(topic, total, streams, perStream, "at_least_once", "auto", "");
        double streamIdCeiling = ceiling(topic, total, "bench-ceiling-stream-id");
        TrackerRun repartitioned = trackerRun(topic, total, streams, perStream, "exactly_once_v2", "stream-id", "");
        double ratio = median(ratios);
        ObjectNode tracker = RESULTS.putObject("tracker");
        tracker.put("records", total).put("streams", streams).put("partitions", 4).put("rounds", rounds)
                .put("defaultPlacement", placement)
                .put("recordsPerSecond", Math.round(median(rates))).put("ceilingRecordsPerSecond", Math.round(median(ceilings)))
                .put("ratio", BenchStats.round(ratio))
                .put("atLeastOnceRecordsPerSecond", Math.round(alos.perSecond()))
                .put("atLeastOnceRatio", BenchStats.round(alos.perSecond() / alosCeiling))
                .put("streamIdRecordsPerSecond", Math.round(repartitioned.perSecond()))
                .put("streamIdRatio", BenchStats.round(repartitioned.perSecond() / streamIdCeiling));
        // the limit of one stream thread with a core to itself: the ceiling's CPU per record over the stream thread's
        tracker.put("ceilingCpuMicrosPerRecord", BenchStats.round(median(ceilingCpu)))
                .put("streamThreadCpuMicrosPerRecord", BenchStats.round(median(streamCpu)))
                .put("allTrackerThreadsCpuMicrosPerRecord", BenchStats.round(median(appCpu)))
                .put("cpuRatio", BenchStats.round(median(cpuRatios)));
        ArrayNode pairs = tracker.putArray("defaultRounds");
        for (int round = 0; round < rounds; round++) {
            pairs.addObject().put("ceilingRecordsPerSecond", Math.round(ceilings.get(round)))
                    .put("recordsPerSecond", Math.round(rates.get(round))).put("ratio", BenchStats.round(ratios.get(round)));
        }
        TABLE.append("\n### Tracker throughput (").append(String.format("%,d", total))
                .append(" Debezium-shaped change events, 10,000 streams, 4 partitions; each run paired with a ceiling run right before it)\n\n")
                .append("| run | ceiling records/s (plain consumer + the same parser, no state) | records/s | vs ceiling |\n|---|---|---|---|\n");
        for (int round = 0; round < rounds; round++) {
            TABLE.append(String.format("| default configuration (exactly_once_v2, `tracker.partitioning=auto`: %s), round %d | %,.0f | %,.0f | %.2f |%n",
                    placement, round + 1, ceilings.get(round), rates.get(round), ratios.get(round)));
        }
        TABLE.append(String.format("| **default configuration, median of %d rounds** | | | **%.2f** |%n", rounds, ratio))
                .append(String.format("| CPU per record (median): ceiling's thread %.2f µs; tracker's stream thread %.2f µs"
                        + " (all its threads %.2f µs): the ratio one stream thread with a core to itself reaches | | | %.2f |%n",
                        median(ceilingCpu), median(streamCpu), median(appCpu), median(cpuRatios)))
                .append(String.format("| at_least_once (auto: %s) | %,.0f | %,.0f | %.2f |%n", alos.placement(), alosCeiling,
                        alos.perSecond(), alos.perSecond() / alosCeiling))
                .append(String.format("| exactly_once_v2, `tracker.partitioning=stream-id` (repartition topic) | %,.0f | %,.0f | %.2f |%n",
                        streamIdCeiling, repartitioned.perSecond(), repartitioned.perSecond() / streamIdCeiling));
    }

    static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    /** CPU time per record of the last ceiling run's one thread, µs. */
    static double lastCeilingCpuMicros;

    /** CPU time of the live threads whose name is accepted, ns. */
    static long cpuOfThreads(java.util.function.Predicate<String> name) {
        java.lang.management.ThreadMXBean cpu = java.lang.management.ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (java.lang.management.ThreadInfo info : cpu.getThreadInfo(cpu.getAllThreadIds())) {
            if (info != null && name.test(info.getThreadName())) {
                sum += Math.max(0, cpu.getThreadCpuTime(info.getThreadId()));
            }
        }
        return sum;
    }

    /** The ceiling: a plain consumer reading and parsing every record with the same parser, keeping no state. */
    static double ceiling(String topic, long total, String group) {
        SidecarConfig config = SharedStack.stack().sidecarConfig("bench-tracker", Map.of("SIDECAR_TOPICS_SOURCE", topic));
        ChangeEventParser parser = new ChangeEventParser(config.database().columns(),
                new AggregateTypeResolver(config.aggregateTypes()));
        long parsed = 0;
        long started = 0;
        long cpuStarted = 0;
        java.lang.management.ThreadMXBean cpu = java.lang.management.ManagementFactory.getThreadMXBean();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedStack.stack().kafka().bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, group, ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            while (parsed < total) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (started == 0) {
                        started = System.nanoTime();
                        cpuStarted = cpu.getCurrentThreadCpuTime();
                    }
                    parser.parse(r.topic(), r.partition(), r.offset(), r.timestamp(), r.key(), r.value());
                    parsed++;
                }
            }
        }
        double perSecond = total / ((System.nanoTime() - started) / 1e9);
        lastCeilingCpuMicros = (cpu.getCurrentThreadCpuTime() - cpuStarted) / 1e3 / total;
        System.out.printf("ceiling: %,.0f records/s, %.2f µs CPU per record%n", perSecond, lastCeilingCpuMicros);
        return perSecond;
    }

    /** Debezium-shaped inserts (PostgreSQL envelope, schemas off): {@code perStream} events of each stream, round robin. */
    static void produce(String topic, String prefix, int streams, int perStream) {
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedStack.stack().kafka().bootstrapServers(),
                ProducerConfig.LINGER_MS_CONFIG, 50, ProducerConfig.BATCH_SIZE_CONFIG, 524_288,
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4", ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            long position = 0;
            for (int v = 0; v < perStream; v++) {
                for (int s = 0; s < streams; s++) {
                    String id = prefix + s;
                    String value = "{\"before\":null,\"after\":{\"global_position\":" + (++position)
                            + ",\"stream_id\":\"" + id + "\",\"stream_version\":" + v
                            + ",\"event_type\":\"VitalSignsRecorded\",\"created_at\":\"2026-11-28T09:00:00.000000Z\"},"
                            + "\"source\":{\"version\":\"3.6.1.Final\",\"connector\":\"postgresql\",\"name\":\"eventstore\","
                            + "\"ts_ms\":1796030130200,\"snapshot\":\"false\",\"db\":\"clinical\",\"schema\":\"event_store\","
                            + "\"table\":\"events\",\"txId\":771,\"lsn\":" + (24_000_000L + position) + "},"
                            + "\"op\":\"c\",\"ts_ms\":1796030130400,\"transaction\":null}";
                    producer.send(new ProducerRecord<>(topic, ("{\"stream_id\":\"" + id + "\"}")
                            .getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8)));
                }
            }
            producer.flush();
        }
    }

    /** {@code -Dbench.streams.<property>=value} as {@code kafka.properties.<property>} of the sidecar under test. */
    static void passStreamsProperties(Map<String, String> env) {
        System.getProperties().stringPropertyNames().stream().filter(k -> k.startsWith("bench.streams."))
                .forEach(k -> env.put("SIDECAR_KAFKA_PROPERTIES_" + k.substring("bench.streams.".length())
                        .toUpperCase(java.util.Locale.ROOT).replace('.', '_'), System.getProperty(k)));
    }

    /** Records per second of one run, and the placement it used. */
    record TrackerRun(double perSecond, String placement, double streamThreadCpuMicros, double allThreadsCpuMicros) {
    }

    /** Runs the real topology over the topic from the start; records per second until every event is tracked. */
    static TrackerRun trackerRun(String topic, long total, int streamCount, int perStream, String guarantee,
                                 String partitioning, String suffix) throws Exception {
        String app = "bench-" + guarantee.replace('_', '-') + "-" + partitioning + suffix;
        Map<String, String> env = new HashMap<>(PipelineTopics.of(app));
        env.put("SIDECAR_TOPICS_SOURCE", topic);
        env.put("SIDECAR_TOPICS_PARTITIONS", "4");
        env.put("SIDECAR_KAFKA_PROCESSING_GUARANTEE", guarantee);
        env.put("SIDECAR_TRACKER_PARTITIONING", partitioning);
        passStreamsProperties(env);
        // each stream's last event crosses the threshold: the last request says the tracker has seen everything
        env.put("SIDECAR_AGGREGATE_TYPES_PATIENT_EVERY_N_EVENTS", Integer.toString(perStream));
        SidecarConfig config = SharedStack.stack().sidecarConfig(app, env);
        SharedStack.stack().createTopics(4, config.topics().requests(), config.topics().results(),
                config.topics().deadLetters(), config.topics().commands());
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        Partitioning placement = PlacementProbe.resolve(config, Duration.ofMinutes(1), waiting -> { }).chosen();
        try (KafkaStreams streams = startTracker(config, placement, meters)) {
            long started = System.nanoTime();
            long streamCpu = cpuOfThreads(name -> name.startsWith(app + "-") && name.contains("-StreamThread-"));
            long appCpu = cpuOfThreads(name -> name.contains(app + "-"));
            Poll.until("every change event tracked", Duration.ofMinutes(6), () -> {
                var requests = meters.find("sidecar.track.requests").tag("reason", "THRESHOLD").counter();
                return requests != null && requests.count() >= streamCount;
            }, () -> meters.find("sidecar.ingest.events").tag("outcome", "appended").counter().count() + " parsed");
            double perSecond = total / ((System.nanoTime() - started) / 1e9);
            // CPU per record does not depend on how much of the shared machine the run got
            double streamMicros = (cpuOfThreads(name -> name.startsWith(app + "-") && name.contains("-StreamThread-"))
                    - streamCpu) / 1e3 / total;
            double appMicros = (cpuOfThreads(name -> name.contains(app + "-")) - appCpu) / 1e3 / total;
            System.out.printf("tracker %s, partitioning %s (%s): %,.0f records/s; CPU per record %.2f µs on the stream"
                    + " thread, %.2f µs on all its threads%n", guarantee, partitioning, placement.configName(),
                    perSecond, streamMicros, appMicros);
            streams.close(Duration.ofSeconds(30));
            return new TrackerRun(perSecond, placement.configName(), streamMicros, appMicros);
        }
    }

    /** Records the stream threads have processed, over every task. */
    static double processed(KafkaStreams streams) {
        return streams.metrics().entrySet().stream()
                .filter(e -> e.getKey().group().equals("stream-thread-metrics") && e.getKey().name().equals("process-total"))
                .mapToDouble(e -> ((Number) e.getValue().metricValue()).doubleValue()).sum();
    }

    /** The real topology on the shared broker, started and RUNNING; the caller closes it. */
    static KafkaStreams startTracker(SidecarConfig config, Partitioning placement, SimpleMeterRegistry meters) {
        KafkaStreams streams = new KafkaStreams(TrackerTopology.build(TrackerTopology.settings(config, placement),
                new ChangeEventParser(config.database().columns(), new AggregateTypeResolver(config.aggregateTypes())),
                Clock.systemUTC(), TrackerMetrics.bound(meters)), TrackerTopology.streamsConfig(config));
        streams.start();
        Poll.until("the tracker is running", Duration.ofMinutes(2),
                () -> streams.state() == KafkaStreams.State.RUNNING, () -> streams.state().toString());
        return streams;
    }

    @Test
    @Order(3)
    void build() throws Exception {
        DialectStores stores = stores("bench_build", "bench-build");
        int warmUp = Integer.getInteger("bench.build.warm-up", 30);
        int measured = Integer.getInteger("bench.build.streams", 60);
        int streams = warmUp + measured;
        for (int i = 0; i < streams; i++) {
            write(stores, "patient-b" + i, 1000);
        }
        FoldingSnapshotBuilder builder = builder(stores);
        for (int i = 0; i < streams; i++) {
            builder.build(request("patient-b" + i, 499), BuildLease.ALWAYS);
        }
        PatientAggregator aggregator = new PatientAggregator();
        List<Double> builds = new ArrayList<>();
        List<Double> floor = new ArrayList<>();
        Map<String, List<Double>> steps = new java.util.LinkedHashMap<>();
        for (String step : List.of("load snapshot", "read + fold 500 events", "write state as JSON",
                "save and prune (one round trip on PostgreSQL)")) {
            steps.put(step, new ArrayList<>());
        }
        // every stream: the floor; then, alternately, the builder itself or the same steps timed one by one
        for (int i = 0; i < streams; i++) {
            String id = "patient-b" + i;
            long t0 = System.nanoTime();
            long[] count = {0};
            stores.events().read(id, 500, 999, (StoredEvent e) -> {
                try {
                    JSON.readTree(e.data());
                } catch (IOException ex) {
                    throw new IllegalStateException(ex);
                }
                count[0]++;
            });
            long t1 = System.nanoTime();
            assertThat(count[0]).isEqualTo(500);
            if (i % 2 == 0) {
                var result = builder.build(request(id, 999), BuildLease.ALWAYS);
                long t2 = System.nanoTime();
                assertThat(result.outcome().name()).isEqualTo("WRITTEN");
                if (i >= warmUp) {
                    builds.add((t2 - t1) / 1e6);
                }
            } else {
                long[] at = new long[5];
                at[0] = System.nanoTime();
                StoredSnapshot latest = stores.snapshots().latest(id, aggregator.schemaVersion()).orElseThrow();
                at[1] = System.nanoTime();
                PatientState[] state = {aggregator.fromJson(latest.data())};
                long[] position = {-1};
                stores.events().read(id, latest.version() + 1, 999, e -> {
                    state[0] = aggregator.apply(state[0], e);
                    position[0] = e.position();
                });
                at[2] = System.nanoTime();
                String json = aggregator.toJson(state[0]);
                at[3] = System.nanoTime();
                assertThat(stores.snapshots().saveAndPrune(new StoredSnapshot(id, 999, "patient", json,
                        aggregator.schemaVersion()), position[0], 3).written()).isTrue();
                at[4] = System.nanoTime();
                if (i >= warmUp) {
                    floor.add((t1 - t0) / 1e6);
                    int k = 0;
                    for (List<Double> times : steps.values()) {
                        times.add((at[k + 1] - at[k]) / 1e6);
                        k++;
                    }
                }
                continue;
            }
            if (i >= warmUp) {
                floor.add((t1 - t0) / 1e6);
            }
        }
        BenchStats b = BenchStats.ofMillis(builds);
        BenchStats f = BenchStats.ofMillis(floor);
        double ratio = b.p(50) / f.p(50);
        ObjectNode node = RESULTS.putObject("build");
        b.into(node, "build");
        f.into(node, "floor");
        node.put("ratio", BenchStats.round(ratio)).put("builds", builds.size()).put("floorSamples", floor.size());
        ObjectNode breakdown = node.putObject("stepsP50Millis");
        steps.forEach((step, times) -> breakdown.put(step, BenchStats.round(BenchStats.ofMillis(times).p(50))));
        TABLE.append("\n### Build cost: a snapshot from a 500-event tail vs reading and deserialising those 500 events\n\n")
                .append("| | p50 ms | p95 ms |\n|---|---|---|\n")
                .append(String.format("| floor: read + parse 500 events | %.2f | %.2f |%n", f.p(50), f.p(95)))
                .append(String.format("| build: load snapshot, read, fold, save and prune | %.2f | %.2f |%n", b.p(50), b.p(95)))
                .append(String.format("| ratio (p50) | %.2fx | |%n", ratio));
        steps.forEach((step, times) -> {
            BenchStats t = BenchStats.ofMillis(times);
            TABLE.append(String.format("| step: %s | %.2f | %.2f |%n", step, t.p(50), t.p(95)));
        });
    }

    @Test
    @Order(4)
    void footprint() throws Exception {
        int streams = Integer.getInteger("bench.footprint.streams", 1_000_000);
        String topic = "bench-footprint-changes";
        SharedStack.stack().createTopics(4, topic);
        produce(topic, "patient-f", streams, 1);
        Path stateDir = Files.createTempDirectory("bench-footprint-");
        Map<String, String> env = new HashMap<>(PipelineTopics.of("bench-footprint"));
        env.put("SIDECAR_TOPICS_SOURCE", topic);
        env.put("SIDECAR_KAFKA_STATE_DIR", stateDir.toString());
        SidecarConfig config = SharedStack.stack().sidecarConfig("bench-footprint", env);
        SharedStack.stack().createTopics(4, config.topics().requests(), config.topics().results(),
                config.topics().deadLetters(), config.topics().commands());
        java.lang.management.MemoryMXBean memory = java.lang.management.ManagementFactory.getMemoryMXBean();
        System.gc();
        long heapBefore = memory.getHeapMemoryUsage().getUsed();
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        long heapRunning;
        try (KafkaStreams tracker = startTracker(config, Partitioning.STREAM_ID, meters)) {
            // each event is processed twice: parsed, then (after the repartition topic) by the head tracker
            Poll.until("every stream tracked", Duration.ofMinutes(5), () -> processed(tracker) >= 2.0 * streams,
                    () -> processed(tracker) + " records processed");
            System.gc();
            heapRunning = memory.getHeapMemoryUsage().getUsed();
            tracker.close(Duration.ofSeconds(60)); // flushes the stores and writes their checkpoints
        }
        long bytes;
        try (Stream<Path> files = Files.walk(stateDir)) {
            bytes = files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
        long heapDelta = heapRunning - heapBefore;
        ObjectNode node = RESULTS.putObject("footprint");
        node.put("streams", streams).put("stateDirectoryBytes", bytes)
                .put("bytesPerStream", BenchStats.round((double) bytes / streams))
                .put("heapDeltaBytes", heapDelta).put("heapBytesPerStream", BenchStats.round((double) heapDelta / streams));
        TABLE.append("\n### Footprint with ").append(String.format("%,d", streams))
                .append(" tracked streams (real broker, exactly_once_v2)\n\n")
                .append("| state directory | bytes per stream | heap of the running tracker after GC, minus before | heap bytes per stream |\n|---|---|---|---|\n")
                .append(String.format("| %,d bytes | %.1f | %,d bytes | %.1f |%n", bytes, (double) bytes / streams,
                        heapDelta, (double) heapDelta / streams));
    }

    @Test
    @Order(5)
    void freshness() throws Exception {
        EventStoreProbe probe = EventStoreProbe.get();
        int streams = 1000;
        int threshold = 100;
        int seconds = Integer.getInteger("bench.freshness.seconds", 60);
        String prefix = "patient-fresh-";
        // a random prefix of 0..99 events per stream, so crossings fall evenly through the timed minute
        java.util.Random random = new java.util.Random(5);
        Map<String, ClinicalEvents> scripts = new HashMap<>();
        Map<String, Integer> next = new HashMap<>();
        List<NewEvent> prefill = new ArrayList<>();
        for (int s = 0; s < streams; s++) {
            String id = prefix + s;
            scripts.put(id, new ClinicalEvents(id, 0, id.hashCode()));
            int n = random.nextInt(threshold);
            for (int v = 0; v < n; v++) {
                prefill.add(scripts.get(id).next());
            }
            next.put(id, n);
        }
        for (int i = 0; i < prefill.size(); i += 2000) {
            probe.stores.appender().append(prefill.subList(i, Math.min(prefill.size(), i + 2000)));
        }
        String app = "bench-freshness";
        Map<String, String> env = new HashMap<>(PipelineTopics.of(app));
        env.put("SIDECAR_AGGREGATE_TYPES_PATIENT_EVERY_N_EVENTS", Integer.toString(threshold));
        env.put("SIDECAR_WORKER_MAX_BUILDS_PER_SECOND", "500");
        String partitioning = System.getProperty("bench.freshness.partitioning", "auto");
        env.put("SIDECAR_TRACKER_PARTITIONING", partitioning);
        passStreamsProperties(env);
        Map<String, Long> committed = new ConcurrentHashMap<>();   // "stream@version" -> commit time, ns
        Map<String, Long> arrived = new ConcurrentHashMap<>();     // "stream@version" -> seen in Kafka, ns
        Map<String, Long> readable = new HashMap<>();              // "stream@version" -> snapshot readable, ns
        Map<String, Long> requested = new ConcurrentHashMap<>();   // "stream@head version" -> request visible, ns
        Map<String, Long> arrivedWall = new ConcurrentHashMap<>(); // "stream@version" -> seen in Kafka, epoch ms
        Map<String, Long> sentWall = new ConcurrentHashMap<>();    // "stream@head version" -> the tracker's send, epoch ms
        Map<String, Long> visibleWall = new ConcurrentHashMap<>(); // "stream@head version" -> request visible, epoch ms
        SidecarMetrics metrics = new SidecarMetrics();
        try (Sidecar sidecar = Sidecar.start(SharedStack.stack().sidecarConfig(app, env), probe.aggregators,
                metrics, Clock.systemUTC(), Duration.ofMinutes(1));
             KafkaConsumer<byte[], byte[]> debezium = new KafkaConsumer<>(Map.of(
                     ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedStack.stack().kafka().bootstrapServers(),
                     ConsumerConfig.GROUP_ID_CONFIG, app + "-watch", ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest"),
                     new ByteArrayDeserializer(), new ByteArrayDeserializer());
             // sees a request when the worker can: once the tracker's transaction commits
             KafkaConsumer<byte[], byte[]> requestsSeen = new KafkaConsumer<>(Map.of(
                     ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedStack.stack().kafka().bootstrapServers(),
                     ConsumerConfig.GROUP_ID_CONFIG, app + "-watch-requests", ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                     "latest", ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                     new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            debezium.subscribe(List.of(dev.snapshotsidecar.testkit.DemoStack.SOURCE_TOPIC));
            requestsSeen.subscribe(List.of(app + "-requests"));
            Poll.until("the watchers have their partitions", Duration.ofMinutes(1), () -> {
                debezium.poll(Duration.ofMillis(100));
                requestsSeen.poll(Duration.ofMillis(100));
                return !debezium.assignment().isEmpty() && !requestsSeen.assignment().isEmpty();
            }, () -> "none");
            // the timed part starts once the sidecar has taken in everything written before it
            long before = probeEvents(probe);
            Poll.until("the sidecar has read the topic written so far", Duration.ofMinutes(3), () -> {
                var appended = metrics.registry().find("sidecar.ingest.events").tag("outcome", "appended").counter();
                return appended != null && appended.count() >= before;
            }, () -> "catching up");
            java.util.concurrent.atomic.AtomicBoolean writing = new java.util.concurrent.atomic.AtomicBoolean(true);
            Thread writer = new Thread(() -> {
                List<String> ids = new ArrayList<>(scripts.keySet());
                long start = System.nanoTime();
                for (int tick = 0; tick < seconds * 10; tick++) {
                    List<NewEvent> batch = new ArrayList<>();
                    for (int k = 0; k < 100; k++) {
                        String id = ids.get((tick * 100 + k) % ids.size());
                        batch.add(scripts.get(id).next());
                    }
                    probe.stores.appender().append(batch);
                    long now = System.nanoTime();
                    for (NewEvent e : batch) {
                        committed.put(e.streamId() + "@" + e.version(), now);
                    }
                    long due = start + (tick + 1) * 100_000_000L;
                    java.util.concurrent.locks.LockSupport.parkNanos(Math.max(0, due - System.nanoTime()));
                }
                writing.set(false);
            }, "bench-writer");
            writer.start();
            // each watcher on its own thread, so that none waits for another's round trip
            java.util.concurrent.atomic.AtomicBoolean watching = new java.util.concurrent.atomic.AtomicBoolean(true);
            Thread eventWatcher = new Thread(() -> {
                while (watching.get()) {
                    for (ConsumerRecord<byte[], byte[]> r : debezium.poll(Duration.ofMillis(10))) {
                        try {
                            var after = JSON.readTree(r.value()).path("after");
                            if (after.path("stream_id").asText().startsWith(prefix)) {
                                arrived.putIfAbsent(after.path("stream_id").asText() + "@"
                                        + after.path("stream_version").asLong(), System.nanoTime());
                                arrivedWall.putIfAbsent(after.path("stream_id").asText() + "@"
                                        + after.path("stream_version").asLong(), System.currentTimeMillis());
                            }
                        } catch (IOException e) {
                            throw new IllegalStateException(e);
                        }
                    }
                }
            }, "bench-event-watcher");
            Thread requestWatcher = new Thread(() -> {
                while (watching.get()) {
                    for (ConsumerRecord<byte[], byte[]> r : requestsSeen.poll(Duration.ofMillis(10))) {
                        SnapshotRequest request = dev.snapshotsidecar.request.MessageSerdes.REQUEST.deserializer()
                                .deserialize(r.topic(), r.value());
                        if (request != null && request.streamId().startsWith(prefix)) {
                            requested.putIfAbsent(request.streamId() + "@" + request.headVersion(), System.nanoTime());
                            visibleWall.putIfAbsent(request.streamId() + "@" + request.headVersion(),
                                    System.currentTimeMillis());
                            sentWall.putIfAbsent(request.streamId() + "@" + request.headVersion(),
                                    request.requestedAt().toEpochMilli());
                        }
                    }
                }
            }, "bench-request-watcher");
            eventWatcher.start();
            requestWatcher.start();
            Timestamp since = new Timestamp(System.currentTimeMillis() - 1000);
            long deadline = System.nanoTime() + Duration.ofSeconds(seconds + 30).toNanos();
            while (System.nanoTime() < deadline && (writing.get() || readable.size() < crossings(committed, threshold))) {
                try (Connection c = probe.pool.getConnection(); PreparedStatement q = c.prepareStatement(
                        "SELECT stream_id, stream_version FROM event_store.snapshots WHERE stream_id LIKE ? AND created_at >= ?")) {
                    q.setString(1, prefix + "%");
                    q.setTimestamp(2, since);
                    try (ResultSet rows = q.executeQuery()) {
                        long now = System.nanoTime();
                        while (rows.next()) {
                            readable.putIfAbsent(rows.getString(1) + "@" + rows.getLong(2), now);
                        }
                    }
                }
            }
            watching.set(false);
            eventWatcher.join();
            requestWatcher.join();
            writer.join();
        }
        List<Double> fresh = new ArrayList<>();
        List<Double> added = new ArrayList<>(); // per crossing: snapshot readable minus its event reaching Kafka
        List<Double> trackerHop = new ArrayList<>(); // request visible to read_committed minus the event in Kafka
        List<Double> workerHop = new ArrayList<>();  // snapshot readable minus the request visible
        List<Double> trackerSend = new ArrayList<>();   // the tracker's send (its clock, ms) minus the event in Kafka
        List<Double> trackerCommit = new ArrayList<>(); // the request visible minus the tracker's send (ms)
        readable.forEach((key, seen) -> {
            Long commit = committed.get(key);
            if (commit != null && (Long.parseLong(key.substring(key.indexOf('@') + 1)) + 1) % threshold == 0) {
                fresh.add((seen - commit) / 1e6);
                Long inKafka = arrived.get(key);
                if (inKafka != null) {
                    added.add((seen - inKafka) / 1e6);
                }
                Long visible = requested.get(key);
                if (inKafka != null && visible != null) {
                    trackerHop.add((visible - inKafka) / 1e6);
                    workerHop.add((seen - visible) / 1e6);
                    trackerSend.add((double) (sentWall.get(key) - arrivedWall.get(key)));
                    trackerCommit.add((double) (visibleWall.get(key) - sentWall.get(key)));
                }
            }
        });
        List<Double> cdc = new ArrayList<>();
        arrived.forEach((key, seen) -> {
            Long commit = committed.get(key);
            if (commit != null) {
                cdc.add((seen - commit) / 1e6);
            }
        });
        BenchStats f = BenchStats.ofMillis(fresh);
        BenchStats d = BenchStats.ofMillis(cdc);
        ObjectNode node = RESULTS.putObject("freshness");
        node.put("eventsPerSecond", 1000).put("streams", streams).put("threshold", threshold).put("seconds", seconds)
                .put("crossings", fresh.size()).put("partitioning", partitioning);
        d.into(node, "debezium");
        node.put("p50Millis", BenchStats.round(f.p(50))).put("p95Millis", BenchStats.round(f.p(95)))
                .put("p99Millis", BenchStats.round(f.p(99)));
        BenchStats a = BenchStats.ofMillis(added);
        a.into(node, "added");
        node.put("addedP99Millis", BenchStats.round(a.p(99)));
        BenchStats th = BenchStats.ofMillis(trackerHop);
        BenchStats wh = BenchStats.ofMillis(workerHop);
        th.into(node, "trackerHop");
        BenchStats ts = BenchStats.ofMillis(trackerSend);
        BenchStats tc = BenchStats.ofMillis(trackerCommit);
        ts.into(node, "trackerSend");
        tc.into(node, "trackerCommit");
        wh.into(node, "workerHop");
        TABLE.append("\n### Freshness: commit of the crossing event to the snapshot row being readable (1,000 events/s over 1,000 streams, threshold 100, ")
                .append(seconds).append(" s, tracker.partitioning=").append(partitioning)
                .append(")\n\n| | p50 ms | p95 ms | p99 ms | samples |\n|---|---|---|---|---|\n")
                .append(String.format("| snapshot readable | %.0f | %.0f | %.0f | %d |%n", f.p(50), f.p(95), f.p(99), fresh.size()))
                .append(String.format("| Debezium: insert to Kafka (the floor) | %.0f | %.0f | %.0f | %d |%n", d.p(50), d.p(95),
                        d.p(99), cdc.size()))
                .append(String.format("| added by the sidecar: snapshot readable minus its event in Kafka, per crossing"
                        + " | %.0f | %.0f | %.0f | %d |%n", a.p(50), a.p(95), a.p(99), added.size()))
                .append(String.format("| of which the tracker: the request visible to a read_committed consumer minus the"
                        + " event in Kafka | %.0f | %.0f | %.0f | %d |%n", th.p(50), th.p(95), th.p(99), trackerHop.size()))
                .append(String.format("| tracker: its send minus the event in Kafka (ms clock) | %.0f | %.0f | %.0f | %d |%n",
                        ts.p(50), ts.p(95), ts.p(99), trackerSend.size()))
                .append(String.format("| tracker: the request visible minus its send (ms clock) | %.0f | %.0f | %.0f | %d |%n",
                        tc.p(50), tc.p(95), tc.p(99), trackerCommit.size()))
                .append(String.format("| of which the worker: the snapshot readable minus its request visible | %.0f | %.0f"
                        + " | %.0f | %d |%n", wh.p(50), wh.p(95), wh.p(99), workerHop.size()));
    }

    @Test
    @Order(6)
    void requestPath() throws Exception {
        EventStoreProbe probe = EventStoreProbe.get();
        int streams = 20;
        // 300 commands per stream and mode: each stream crosses the article's threshold of 50 six times
        int commands = Integer.getInteger("bench.request.commands", 6000);
        int threshold = 50;
        var aggregator = new dev.snapshotsidecar.clinical.PrescriptionAggregator();
        List<String> modes = List.of("in-request", "beside");
        Map<String, List<Double>> millis = new java.util.LinkedHashMap<>();
        Map<String, List<String>> ids = new HashMap<>();
        Map<String, Integer> prefill = new java.util.LinkedHashMap<>();
        List<Double> crossing = new ArrayList<>();
        for (String mode : modes) {
            millis.put(mode, new ArrayList<>());
            ids.put(mode, new ArrayList<>());
            for (int i = 0; i < streams; i++) {
                String id = "prescription-cmd-" + mode + "-" + i;
                ids.get(mode).add(id);
                prefill.put(id, 120);
            }
        }
        probe.write(prefill, 17);
        String app = "bench-request-path";
        Map<String, String> env = new HashMap<>(PipelineTopics.of(app));
        env.put("SIDECAR_AGGREGATE_TYPES_PRESCRIPTION_EVERY_N_EVENTS", Integer.toString(threshold));
        // the sidecar snapshots only the "beside" streams; the "in-request" handler snapshots its own
        env.put("SIDECAR_AGGREGATE_TYPES_PRESCRIPTION_STREAM_ID_PATTERN", "prescription-cmd-beside-.+");
        try (Sidecar beside = Sidecar.start(SharedStack.stack().sidecarConfig(app, env), probe.aggregators,
                new SidecarMetrics(), Clock.systemUTC(), Duration.ofMinutes(1))) {
            Map<String, Integer> besidePrefill = new HashMap<>(prefill);
            besidePrefill.keySet().removeIf(id -> !id.contains("-beside-"));
            Poll.until("the sidecar has snapshotted the prefilled streams", Duration.ofMinutes(2),
                    () -> probe.due(besidePrefill, "prescription-cmd-beside-%", threshold).isEmpty(), () -> "due");
            SnapshottingRepository<dev.snapshotsidecar.clinical.PrescriptionState> repository =
                    new SnapshottingRepository<>(probe.stores.snapshots(), probe.stores.events(), aggregator, 0);
            // the modes take turns command by command, so both see the same moments of the shared machine
            for (int n = 0; n < commands; n++) {
                for (String mode : modes) {
                    String id = ids.get(mode).get(n % streams);
                    long started = System.nanoTime();
                    // the command handler: load the aggregate, decide, append one event
                    var loaded = repository.load(id).orElseThrow();
                    String data = "{\"dose\":\"" + (5 + n % 50) + "\",\"unit\":\"mg\",\"reason\":\"Titrated\"}";
                    NewEvent event = new NewEvent(id, loaded.version() + 1, "DoseChanged", data);
                    probe.stores.appender().append(List.of(event));
                    boolean saves = mode.equals("in-request") && loaded.eventsReplayed() + 1 >= threshold;
                    if (saves) {
                        // the article's snapshot on save, inside the request
                        var state = aggregator.apply(loaded.state(), new StoredEvent(id, event.version(),
                                event.eventType(), data, Optional.empty(), Instant.now()));
                        probe.stores.snapshots().save(new StoredSnapshot(id, event.version(), "prescription",
                                aggregator.toJson(state), aggregator.schemaVersion()));
                    }
                    if (n >= 2 * streams) { // the first two commands of each stream warm up
                        double took = (System.nanoTime() - started) / 1e6;
                        millis.get(mode).add(took);
                        if (saves) {
                            crossing.add(took);
                        }
                    }
                }
            }
        }
        Map<String, BenchStats> byMode = new java.util.LinkedHashMap<>();
        millis.forEach((mode, times) -> byMode.put(mode, BenchStats.ofMillis(times)));
        ObjectNode node = RESULTS.putObject("requestPath");
        node.put("commands", commands).put("streams", streams).put("threshold", threshold);
        byMode.get("in-request").into(node, "snapshotInRequest");
        byMode.get("beside").into(node, "sidecarBeside");
        node.put("p99Ratio", BenchStats.round(byMode.get("in-request").p(99) / byMode.get("beside").p(99)));
        BenchStats crossings = BenchStats.ofMillis(crossing);
        crossings.into(node, "inRequestCrossingCommands");
        node.put("inRequestCrossingCommandCount", crossing.size());
        TABLE.append("\n### Request path: a command (load, append one event) with snapshot-on-save in the request vs the sidecar beside\n\n")
                .append("| mode | commands | p50 ms | p95 ms | p99 ms |\n|---|---|---|---|---|\n");
        byMode.forEach((mode, stats) -> TABLE.append(String.format("| %s | %,d | %.2f | %.2f | %.2f |%n", mode,
                millis.get(mode).size(), stats.p(50), stats.p(95), stats.p(99))));
        TABLE.append(String.format("| in-request, only the commands that saved a snapshot | %,d | %.2f | %.2f | %.2f |%n",
                crossing.size(), crossings.p(50), crossings.p(95), crossings.p(99)));
    }

    @Test
    @Order(7)
    void micro() throws Exception {
        var options = new org.openjdk.jmh.runner.options.OptionsBuilder()
                .include(ParserMicrobenchmark.class.getName()).include(FoldMicrobenchmark.class.getName())
                .forks(0) // in this JVM: the test class path is a manifest-only jar a forked JMH would not see
                .warmupIterations(3).warmupTime(org.openjdk.jmh.runner.options.TimeValue.seconds(1))
                .measurementIterations(5).measurementTime(org.openjdk.jmh.runner.options.TimeValue.seconds(1))
                .build();
        Map<String, Double> score = new HashMap<>();
        for (var result : new org.openjdk.jmh.runner.Runner(options).run()) {
            score.put(result.getParams().getBenchmark().replaceAll(".*\\.", ""),
                    result.getPrimaryResult().getScore());
        }
        ObjectNode node = RESULTS.putObject("micro");
        double parser = score.get("changeEventParser");
        double parseFloor = score.get("floorJacksonTree");
        double fold = score.get("fold500");
        double foldFloor = score.get("floorParse500");
        node.put("parserOpsPerSecond", Math.round(parser)).put("parserFloorOpsPerSecond", Math.round(parseFloor))
                .put("parserRatio", BenchStats.round(parseFloor / parser))
                .put("fold500OpsPerSecond", Math.round(fold)).put("fold500FloorOpsPerSecond", Math.round(foldFloor))
                .put("foldRatio", BenchStats.round(foldFloor / fold));
        TABLE.append("\n### Micro-benchmarks (JMH, in-process, 3 x 1 s warm-up, 5 x 1 s measured)\n\n")
                .append("| benchmark | ops/s | floor ops/s | cost vs floor |\n|---|---|---|---|\n")
                .append(String.format("| parse one Debezium change event | %,.0f | %,.0f (Jackson tree) | %.2fx |%n",
                        parser, parseFloor, parseFloor / parser))
                .append(String.format("| fold 500 patient events | %,.0f | %,.0f (parse the 500 payloads) | %.2fx |%n",
                        fold, foldFloor, foldFloor / fold));
    }

    /**
     * Day one: a first start against an existing history. {@code bench.dayOne.events} change events of Debezium's
     * initial snapshot (op r) over {@code bench.dayOne.streams} patient streams are in the source topic and in
     * PostgreSQL before the sidecar starts; the threshold makes every stream due exactly once. Timed: from
     * {@code Sidecar.start} until every event is tracked and every stream's request sent, against a plain consumer
     * parsing the same topic from its construction; then the worker's drain of the storm at its rate limit.
     */
    @Test
    @Order(8)
    void dayOne() throws Exception {
        int events = Integer.getInteger("bench.dayOne.events", 1_000_000);
        int streams = Integer.getInteger("bench.dayOne.streams", 12_500);
        int rate = Integer.getInteger("bench.dayOne.maxBuildsPerSecond", 200);
        int perStream = events / streams;
        // one crossing per stream: at version threshold - 1, and the rest of the stream stays under a threshold
        int threshold = Math.max(1, perStream * 5 / 8);
        long total = (long) perStream * streams;
        String schema = "bench_dayone";
        String topic = "bench-day-one-changes";
        stores(schema, "bench-day-one"); // the events and snapshots tables
        HikariDataSource db = DialectStores.pool(SharedStack.stack().sidecarConfig("bench-day-one-db",
                Map.of("SIDECAR_DATABASE_SCHEMA", schema)).database(), "bench-day-one-db");
        long written = System.nanoTime();
        insertDayOneEvents(db, schema, streams, perStream);
        SharedStack.stack().createTopics(4, topic);
        produceInitialSnapshot(db, schema, topic);
        System.out.printf("day one: %,d events over %,d streams in PostgreSQL and Kafka in %.1f s%n", total, streams,
                (System.nanoTime() - written) / 1e9);

        SidecarConfig ceilingConfig = SharedStack.stack().sidecarConfig("bench-day-one-ceiling",
                Map.of("SIDECAR_TOPICS_SOURCE", topic));
        ChangeEventParser parser = new ChangeEventParser(ceilingConfig.database().columns(),
                new AggregateTypeResolver(ceilingConfig.aggregateTypes()));
        long ceilingStarted = System.nanoTime();
        long parsed = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedStack.stack().kafka().bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "bench-day-one-ceiling", ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            while (parsed < total) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    parser.parse(r.topic(), r.partition(), r.offset(), r.timestamp(), r.key(), r.value());
                    parsed++;
                }
            }
        }
        double ceilingSeconds = (System.nanoTime() - ceilingStarted) / 1e9;

        String app = "bench-day-one";
        Map<String, String> env = new HashMap<>(PipelineTopics.of(app));
        env.put("SIDECAR_TOPICS_SOURCE", topic);
        env.put("SIDECAR_DATABASE_SCHEMA", schema);
        env.put("SIDECAR_AGGREGATE_TYPES_PATIENT_EVERY_N_EVENTS", Integer.toString(threshold));
        env.put("SIDECAR_WORKER_MAX_BUILDS_PER_SECOND", Integer.toString(rate));
        // a request timeout of half the drain: a request still queued when it passes must not be asked again, and
        // one that is shows as a duplicate build
        long timeoutSeconds = Math.max(10, streams / rate / 2);
        env.put("SIDECAR_TRACKER_REQUEST_TIMEOUT", timeoutSeconds + "s");
        SidecarMetrics metrics = new SidecarMetrics();
        long started = System.nanoTime();
        double sidecarSeconds;
        double runningSeconds;
        double drainSeconds;
        String placement;
        try (Sidecar sidecar = Sidecar.start(SharedStack.stack().sidecarConfig(app, env),
                AggregatorRegistry.load(Optional.empty()), metrics, Clock.systemUTC(), Duration.ofMinutes(1))) {
            placement = sidecar.placement().configName();
            double[] running = {0};
            Poll.until("every head current and every due request sent", Duration.ofMinutes(10), () -> {
                if (running[0] == 0 && sidecar.trackerState() == KafkaStreams.State.RUNNING) {
                    running[0] = (System.nanoTime() - started) / 1e9;
                }
                var appended = metrics.registry().find("sidecar.ingest.events").tag("outcome", "appended").counter();
                var requests = metrics.registry().find("sidecar.track.requests").tag("reason", "THRESHOLD").counter();
                return appended != null && appended.count() >= total && requests != null && requests.count() >= streams;
            }, () -> "tracking");
            sidecarSeconds = (System.nanoTime() - started) / 1e9;
            runningSeconds = running[0];
            Poll.until("every stream has its snapshot", Duration.ofSeconds(60 + 3L * streams / rate),
                    () -> countRows(db, "SELECT COUNT(DISTINCT stream_id) FROM " + schema + ".snapshots") >= streams,
                    () -> countRows(db, "SELECT COUNT(*) FROM " + schema + ".snapshots") + " snapshots");
            drainSeconds = (System.nanoTime() - started) / 1e9;
            Poll.until("the worker is idle", Duration.ofMinutes(1), () -> gauge(metrics, "sidecar.build.in.flight") == 0
                    && gauge(metrics, "sidecar.build.backlog") == 0, () -> "in flight "
                    + gauge(metrics, "sidecar.build.in.flight"));
        }
        double builds = metrics.registry().find("sidecar.build.results").counters().stream()
                .mapToDouble(c -> c.count()).sum();
        long rows = countRows(db, "SELECT COUNT(*) FROM " + schema + ".snapshots");
        // builds per second while the storm drains: the middle 80% of the snapshots' commit times, so the first
        // requests' arrival and the last build's tail do not count
        List<Long> times = new ArrayList<>();
        try (Connection c = db.getConnection();
             PreparedStatement q = c.prepareStatement("SELECT EXTRACT(EPOCH FROM created_at) * 1000000 FROM "
                     + schema + ".snapshots ORDER BY created_at");
             ResultSet r = q.executeQuery()) {
            while (r.next()) {
                times.add(r.getLong(1));
            }
        }
        int from = times.size() / 10;
        int to = times.size() * 9 / 10;
        double buildsPerSecond = (to - from) / ((times.get(to) - times.get(from)) / 1e6);
        double duplicates = Math.max(0, builds - streams);
        double ratio = ceilingSeconds / sidecarSeconds;
        ObjectNode node = RESULTS.putObject("dayOne");
        node.put("events", total).put("streams", streams).put("eventsPerStream", perStream).put("threshold", threshold)
                .put("partitions", 4).put("placement", placement)
                .put("ceilingSeconds", BenchStats.round(ceilingSeconds)).put("sidecarSeconds", BenchStats.round(sidecarSeconds))
                .put("sidecarRunningAfterSeconds", BenchStats.round(runningSeconds))
                .put("ratio", BenchStats.round(ratio))
                .put("maxBuildsPerSecond", rate).put("requestTimeoutSeconds", timeoutSeconds)
                .put("buildsPerSecond", BenchStats.round(buildsPerSecond))
                .put("drainFraction", BenchStats.round(buildsPerSecond / rate))
                .put("drainSeconds", BenchStats.round(drainSeconds))
                .put("builds", Math.round(builds)).put("snapshotRows", rows)
                .put("duplicateBuilds", Math.round(duplicates))
                .put("duplicateFraction", BenchStats.round(builds == 0 ? 0 : duplicates / builds));
        TABLE.append("\n### Day one: a first start over ").append(String.format("%,d", total))
                .append(" change events of Debezium's initial snapshot (op r), ").append(String.format("%,d", streams))
                .append(" streams, threshold ").append(threshold).append(", `worker.max-builds-per-second` ")
                .append(rate).append(", `tracker.request-timeout` ").append(timeoutSeconds).append(" s (half the drain)")
                .append("\n\n| | seconds | vs ceiling |\n|---|---|---|\n")
                .append(String.format("| ceiling: plain consumer + the same parser, from its construction | %.1f | 1.00 |%n",
                        ceilingSeconds))
                .append(String.format("| sidecar (default configuration, auto: %s): `Sidecar.start` to every head current and every due request sent (RUNNING after %.1f s) | %.1f | %.2f |%n",
                        placement, runningSeconds, sidecarSeconds, ratio))
                .append(String.format("| drain: every stream's snapshot written, from `Sidecar.start` | %.1f | |%n", drainSeconds))
                .append("\n| builds | snapshot rows | builds/s (middle 80%) | of the rate limit | duplicate builds |\n|---|---|---|---|---|\n")
                .append(String.format("| %,.0f | %,d | %.1f | %.3f | %,.0f (%.2f%%) |%n", builds, rows, buildsPerSecond,
                        buildsPerSecond / rate, duplicates, builds == 0 ? 0 : 100 * duplicates / builds));
    }

    /** Streams {@code patient-d<s>} of {@code perStream} events each, written round robin in one statement. */
    static void insertDayOneEvents(HikariDataSource db, String schema, int streams, int perStream) throws Exception {
        ClinicalEvents script = new ClinicalEvents("patient-d", 0, 1);
        Map<String, String> data = new HashMap<>();
        while (data.size() < 3) {
            NewEvent e = script.next();
            if (List.of("PatientRegistered", "PatientAdmitted", "VitalSignsRecorded").contains(e.eventType())) {
                data.putIfAbsent(e.eventType(), e.data());
            }
        }
        try (Connection c = db.getConnection()) {
            try (PreparedStatement truncate = c.prepareStatement("TRUNCATE " + schema + ".events, " + schema
                    + ".snapshots")) {
                truncate.execute();
            }
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO " + schema + ".events (stream_id,"
                    + " stream_version, event_type, event_data, created_at) SELECT 'patient-d' || s, v, CASE v WHEN 0"
                    + " THEN 'PatientRegistered' WHEN 1 THEN 'PatientAdmitted' ELSE 'VitalSignsRecorded' END,"
                    + " (CASE v WHEN 0 THEN ? WHEN 1 THEN ? ELSE ? END)::jsonb,"
                    + " timestamptz '2021-01-04 08:00:00+00' + v * interval '1 hour'"
                    + " FROM generate_series(0, ? - 1) v, generate_series(0, ? - 1) s ORDER BY v, s")) {
                insert.setString(1, data.get("PatientRegistered"));
                insert.setString(2, data.get("PatientAdmitted"));
                insert.setString(3, data.get("VitalSignsRecorded"));
                insert.setInt(4, perStream);
                insert.setInt(5, streams);
                insert.executeUpdate();
            }
        }
    }

    /** Every row of the events table as Debezium's initial snapshot writes it: op r, keyed {"stream_id":...}. */
    static void produceInitialSnapshot(HikariDataSource db, String schema, String topic) throws Exception {
        try (Connection c = db.getConnection();
             KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                     ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedStack.stack().kafka().bootstrapServers(),
                     ProducerConfig.LINGER_MS_CONFIG, 50, ProducerConfig.BATCH_SIZE_CONFIG, 524_288,
                     ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4"),
                     new ByteArraySerializer(), new ByteArraySerializer())) {
            c.setAutoCommit(false); // a cursor, not the whole table in memory
            try (PreparedStatement q = c.prepareStatement("SELECT global_position, stream_id, stream_version,"
                    + " event_type, created_at FROM " + schema + ".events ORDER BY global_position")) {
                q.setFetchSize(10_000);
                try (ResultSet r = q.executeQuery()) {
                    while (r.next()) {
                        String id = r.getString(2);
                        String value = "{\"before\":null,\"after\":{\"global_position\":" + r.getLong(1)
                                + ",\"stream_id\":\"" + id + "\",\"stream_version\":" + r.getInt(3)
                                + ",\"event_type\":\"" + r.getString(4) + "\",\"created_at\":\""
                                + r.getTimestamp(5).toInstant() + "\"},"
                                + "\"source\":{\"version\":\"3.6.1.Final\",\"connector\":\"postgresql\",\"name\":\"eventstore\","
                                + "\"ts_ms\":1796030130200,\"snapshot\":\"true\",\"db\":\"clinical\",\"schema\":\"" + schema
                                + "\",\"table\":\"events\",\"txId\":770,\"lsn\":24000000},"
                                + "\"op\":\"r\",\"ts_ms\":1796030130400,\"transaction\":null}";
                        producer.send(new ProducerRecord<>(topic, ("{\"stream_id\":\"" + id + "\"}")
                                .getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8)));
                    }
                }
            }
            c.commit();
            c.setAutoCommit(true);
            producer.flush();
        }
    }

    static long countRows(HikariDataSource db, String sql) {
        try (Connection c = db.getConnection(); PreparedStatement q = c.prepareStatement(sql);
             ResultSet r = q.executeQuery()) {
            r.next();
            return r.getLong(1);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    static double gauge(SidecarMetrics metrics, String name) {
        var g = metrics.registry().find(name).gauge();
        return g == null ? 0 : g.value();
    }

    static long probeEvents(EventStoreProbe probe) {
        try (Connection c = probe.pool.getConnection(); PreparedStatement q = c.prepareStatement(
                "SELECT COUNT(*) FROM event_store.events"); ResultSet rows = q.executeQuery()) {
            rows.next();
            return rows.getLong(1);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    static long crossings(Map<String, Long> committed, int threshold) {
        return committed.keySet().stream().filter(k -> (Long.parseLong(k.substring(k.indexOf('@') + 1)) + 1)
                % threshold == 0).count();
    }

    /** A build from a 500-event tail through each fold kind against the same floor: {@link FoldKindBenchmark}. */
    @Test
    @Order(8)
    void foldKinds() throws Exception {
        FoldKindBenchmark.run(stores("bench_folds", "bench-folds"), RESULTS, TABLE);
    }

    @AfterAll
    static void write() throws IOException {
        Path dir = Files.createDirectories(Path.of("target", "bench"));
        RESULTS.put("date", Instant.now().toString());
        RESULTS.put("machine", Runtime.getRuntime().availableProcessors() + " cores, "
                + Runtime.getRuntime().maxMemory() / (1 << 20) + " MiB max heap, Java " + System.getProperty("java.version"));
        Files.writeString(dir.resolve("results.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(RESULTS));
        Files.writeString(dir.resolve("results.md"), "## Benchmark results (" + RESULTS.path("date").asText() + ")\n"
                + TABLE);
        System.out.println(TABLE);
    }
}
