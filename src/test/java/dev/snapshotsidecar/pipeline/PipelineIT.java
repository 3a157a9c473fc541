package dev.snapshotsidecar.pipeline;

import dev.snapshotsidecar.request.DeadLetters;
import dev.snapshotsidecar.runtime.Sidecar;
import dev.snapshotsidecar.config.Partitioning;
import dev.snapshotsidecar.config.SidecarConfig;
import dev.snapshotsidecar.track.PlacementProbe;
import dev.snapshotsidecar.testkit.DemoStack;
import dev.snapshotsidecar.testing.EventStoreProbe;
import dev.snapshotsidecar.testing.Poll;
import dev.snapshotsidecar.testing.SharedStack;
import dev.snapshotsidecar.observe.SidecarMetrics;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The whole pipeline on real parts: events inserted with JDBC into PostgreSQL, captured by the real Debezium
 * connector in Kafka Connect, tracked by the topology on a real broker, built by the worker, written to the
 * snapshots table. Each test uses its own stream ids, application id and topics.
 */
@ExtendWith(SharedStack.class)
class PipelineIT {
    static final int THRESHOLD = 50; // demo/sidecar.yaml: every 50 events for both types
    static final Duration DEADLINE = Duration.ofMinutes(3);

    static DemoStack stack;
    static EventStoreProbe probe;

    @BeforeAll
    static void startConnector() {
        probe = EventStoreProbe.get();
        stack = probe.stack;
    }

    static Map<String, String> topics(String applicationId) {
        return Map.of("SIDECAR_TOPICS_REQUESTS", applicationId + "-requests",
                "SIDECAR_TOPICS_RESULTS", applicationId + "-results",
                "SIDECAR_TOPICS_DEAD_LETTERS", applicationId + "-dead-letters",
                "SIDECAR_TOPICS_COMMANDS", applicationId + "-commands",
                "SIDECAR_TRACKER_SCAN_INTERVAL", "1s",
                "SIDECAR_HTTP_PORT", "-1",
                "SIDECAR_KAFKA_PROPERTIES_SESSION_TIMEOUT_MS", "6000");
    }

    static Sidecar sidecar(String applicationId, SidecarMetrics meters) {
        return sidecar(applicationId, meters, Map.of());
    }

    static Sidecar sidecar(String applicationId, SidecarMetrics meters, Map<String, String> overrides) {
        Map<String, String> env = new HashMap<>(topics(applicationId));
        env.putAll(overrides);
        EventStoreProbe store = EventStoreProbe.get();
        SidecarConfig config = store.stack.sidecarConfig(applicationId, env);
        Sidecar sidecar = Sidecar.start(config, store.aggregators, meters, Clock.systemUTC(), Duration.ofMinutes(1));
        // a first start beside the snapshots other tests wrote holds requests back until it has read its
        // announcements of them: a test that counts crossings starts writing after that
        Poll.until(applicationId + " runs and has read its first start's announcements", DEADLINE,
                () -> sidecar.trackerState() == org.apache.kafka.streams.KafkaStreams.State.RUNNING
                        && sidecar.bootstrapped(), () -> sidecar.trackerState() + ", bootstrapped "
                        + sidecar.bootstrapped());
        return sidecar;
    }

    static void write(Map<String, Integer> lengths, long seed) {
        probe.write(lengths, seed);
    }

    /** Every snapshot row of the streams with this prefix: stream id to (version to snapshot_data). */
    static Map<String, TreeMap<Long, String>> snapshotRows(String prefix) {
        Map<String, TreeMap<Long, String>> rows = new TreeMap<>();
        probe.rows(prefix + "%").forEach((id, versions) -> {
            TreeMap<Long, String> data = new TreeMap<>();
            versions.forEach((v, row) -> data.put(v, row.data()));
            rows.put(id, data);
        });
        return rows;
    }

    static void assertEverySnapshotEqualsFullReplay(Map<String, TreeMap<Long, String>> rows) {
        rows.forEach((id, versions) -> versions.forEach((version, data) ->
                assertThat(data).as("snapshot of %s at %d equals the fold of its events 0..%d", id, version, version)
                        .isEqualTo(probe.fullReplay(id, version))));
    }

    static void awaitNoneDue(String prefix, Map<String, Integer> lengths) {
        Poll.until("every stream of " + prefix + " has a snapshot less than " + THRESHOLD + " events behind",
                DEADLINE, () -> probe.due(lengths, prefix + "%", THRESHOLD).isEmpty(),
                () -> "due: " + probe.due(lengths, prefix + "%", THRESHOLD));
    }

    @Test
    @DisplayName("inserted events give snapshots at the expected versions, each equal to full replay")
    void snapshotsAtExpectedVersions() {
        Map<String, Integer> lengths = new LinkedHashMap<>();
        int[] sizes = {1, 7, 49, 50, 51, 99, 100, 149, 150, 230, 333, 401};
        for (int i = 0; i < sizes.length; i++) {
            lengths.put((i % 2 == 0 ? "patient-a" : "prescription-a") + i, sizes[i]);
        }
        try (Sidecar sidecar = sidecar("it-snapshots", new SidecarMetrics())) {
            write(lengths, 1);
            awaitNoneDue("%-a", lengths);
        }
        Map<String, TreeMap<Long, String>> rows = new TreeMap<>(snapshotRows("patient-a"));
        rows.putAll(snapshotRows("prescription-a"));
        lengths.forEach((id, length) -> {
            if (length < THRESHOLD) {
                assertThat(rows).as("%s has %d events, fewer than the threshold", id, length).doesNotContainKey(id);
                return;
            }
            List<Long> versions = List.copyOf(rows.get(id).keySet());
            assertThat(versions.get(0)).as("first snapshot of %s", id).isEqualTo(THRESHOLD - 1);
            for (int i = 1; i < versions.size(); i++) {
                assertThat(versions.get(i) - versions.get(i - 1)).as("snapshots of %s are %d events apart", id,
                        THRESHOLD).isGreaterThanOrEqualTo(THRESHOLD);
            }
            assertThat(versions.get(versions.size() - 1)).isLessThanOrEqualTo(length - 1);
        });
        assertEverySnapshotEqualsFullReplay(rows);
    }

    @Test
    @DisplayName("with tracker.partitioning=source heads stay in the source partitions and every result reaches its head")
    void sourcePartitioned() {
        Map<String, Integer> lengths = new LinkedHashMap<>();
        for (int i = 0; i < 16; i++) {
            lengths.put((i % 2 == 0 ? "patient-sp" : "prescription-sp") + i, 60 + 7 * i);
        }
        Map<String, TreeMap<Long, String>> rows = new TreeMap<>();
        try (Sidecar sidecar = sidecar("it-source-partitioned", new SidecarMetrics(), Map.of(
                "SIDECAR_TRACKER_PARTITIONING", "source", "SIDECAR_TOPICS_PARTITIONS", "4"))) {
            write(lengths, 21);
            awaitNoneDue("%-sp", lengths);
            rows.putAll(snapshotRows("patient-sp"));
            rows.putAll(snapshotRows("prescription-sp"));
            // a result that reached another task would leave this head pending and start a stray one there
            Poll.until("every head knows its stream's latest snapshot", DEADLINE, () -> lengths.keySet().stream()
                    .allMatch(id -> sidecar.heads().local(id).filter(h -> !h.pending()
                            && h.headVersion() == lengths.get(id) - 1
                            && h.snapshotVersion() == rows.get(id).lastKey()).isPresent()),
                    () -> lengths.keySet().stream().map(id -> id + "=" + sidecar.heads().local(id)).toList().toString());
            List<String> headIds = new ArrayList<>();
            sidecar.heads().forEachLocal((id, head) -> {
                if (lengths.containsKey(id)) {
                    headIds.add(id);
                }
            });
            assertThat(headIds).as("one head per stream, in its source partition's task")
                    .containsExactlyInAnyOrderElementsOf(lengths.keySet());
        }
        assertEverySnapshotEqualsFullReplay(rows);
    }

    @Test
    @DisplayName("tracker.partitioning=auto keeps heads in the source partitions of the connector's topic, and keeps that choice after a restart")
    void autoPicksSourceOnConnectorKeys() {
        String app = "it-auto-connector";
        Map<String, Integer> first = new LinkedHashMap<>();
        Map<String, Integer> lengths = new LinkedHashMap<>();
        for (int i = 0; i < 8; i++) {
            first.put("patient-auto" + i, 30 + i);
            lengths.put("patient-auto" + i, 130 + 5 * i);
        }
        write(first, 41); // the topic the connector writes, with these among the records sampled at the end
        Map<String, String> defaults = Map.of(); // demo/sidecar.yaml sets no tracker.partitioning
        try (Sidecar sidecar = sidecar(app, new SidecarMetrics(), defaults)) {
            assertThat(sidecar.placement()).isEqualTo(Partitioning.SOURCE);
        }
        assertThat(topicExists(PlacementProbe.repartitionTopic(app))).as("no repartition topic").isFalse();
        assertThat(topicExists(PlacementProbe.recordTopic(app))).as("the choice is recorded").isTrue();
        try (Sidecar restarted = sidecar(app, new SidecarMetrics(), defaults)) {
            assertThat(restarted.placement()).isEqualTo(Partitioning.SOURCE);
            probe.writeRest(lengths, first);
            awaitNoneDue("patient-auto", lengths);
            Map<String, TreeMap<Long, String>> rows = snapshotRows("patient-auto");
            Poll.until("every head is current and knows its latest snapshot", DEADLINE, () -> lengths.keySet()
                    .stream().allMatch(id -> restarted.heads().local(id).filter(h -> !h.pending()
                            && h.headVersion() == lengths.get(id) - 1
                            && h.snapshotVersion() == snapshotRows(id).get(id).lastKey()).isPresent()),
                    () -> lengths.keySet().stream().map(id -> id + "=" + restarted.heads().local(id)).toList().toString());
            assertEverySnapshotEqualsFullReplay(rows);
        }
        assertThatThrownBy(() -> sidecar(app, new SidecarMetrics(), Map.of("SIDECAR_TRACKER_PARTITIONING", "stream-id")))
                .as("an explicit stream-id contradicts the heads in the source partitions")
                .hasMessageContainingAll("tracker.partitioning=stream-id", "source or auto");
    }

    @Test
    @DisplayName("tracker.partitioning=auto re-keys a source keyed otherwise through the repartition topic, and keeps that choice after a restart")
    void autoPicksStreamIdOnOtherKeys() throws Exception {
        String app = "it-auto-other-keys";
        String topic = app + "-source";
        stack.createTopics(4, topic);
        Map<String, String> overrides = Map.of("SIDECAR_TOPICS_SOURCE", topic,
                // nothing becomes due: these events are only in Kafka, not in the database
                "SIDECAR_AGGREGATE_TYPES_PATIENT_EVERY_N_EVENTS", "100000",
                "SIDECAR_AGGREGATE_TYPES_PRESCRIPTION_EVERY_N_EVENTS", "100000");
        // keyed by the primary key, as a connector without message.key.columns keys them
        produceKeyedByPosition(topic, "patient-pk", 6, 10, 0);
        try (Sidecar sidecar = sidecar(app, new SidecarMetrics(), overrides)) {
            assertThat(sidecar.placement()).isEqualTo(Partitioning.STREAM_ID);
            awaitHeads(sidecar, "patient-pk", 6, 10);
        }
        assertThat(topicExists(PlacementProbe.repartitionTopic(app))).isTrue();
        try (Sidecar restarted = sidecar(app, new SidecarMetrics(), overrides)) {
            assertThat(restarted.placement()).isEqualTo(Partitioning.STREAM_ID);
            produceKeyedByPosition(topic, "patient-pk", 6, 20, 10);
            awaitHeads(restarted, "patient-pk", 6, 20);
        }
        Map<String, String> explicitSource = new HashMap<>(overrides);
        explicitSource.put("SIDECAR_TRACKER_PARTITIONING", "source");
        assertThatThrownBy(() -> sidecar(app, new SidecarMetrics(), explicitSource))
                .as("an explicit source contradicts the heads placed by the stream id")
                .hasMessageContainingAll("tracker.partitioning=source", PlacementProbe.recordTopic(app)
                        + " records stream-id");

        // an operator deletes the repartition topic: the record, not the topic, says where the heads are
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafka().bootstrapServers()))) {
            admin.deleteTopics(List.of(PlacementProbe.repartitionTopic(app))).all().get(30,
                    java.util.concurrent.TimeUnit.SECONDS);
        }
        Poll.until("the repartition topic is gone", DEADLINE, () -> !topicExists(PlacementProbe.repartitionTopic(app)),
                () -> "still listed");
        try (Sidecar afterDelete = sidecar(app, new SidecarMetrics(), overrides)) {
            assertThat(afterDelete.placement()).as("auto keeps the recorded stream-id").isEqualTo(Partitioning.STREAM_ID);
            produceKeyedByPosition(topic, "patient-pk", 6, 30, 20);
            awaitHeads(afterDelete, "patient-pk", 6, 30);
        }
    }

    /** Debezium-shaped inserts of versions [from, to) of each stream, keyed {"global_position":...}. */
    static void produceKeyedByPosition(String topic, String prefix, int streams, int to, int from) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafka().bootstrapServers()),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int v = from; v < to; v++) {
                for (int s = 0; s < streams; s++) {
                    long position = 1_000_000L + v * 100L + s;
                    producer.send(new ProducerRecord<>(topic, bytes("{\"global_position\":" + position + "}"),
                            bytes("{\"before\":null,\"after\":{\"global_position\":" + position
                                    + ",\"stream_id\":\"" + prefix + s + "\",\"stream_version\":" + v
                                    + ",\"event_type\":\"NoteAdded\",\"created_at\":\"2026-11-28T09:00:00Z\"},"
                                    + "\"source\":{\"snapshot\":\"false\"},\"op\":\"c\",\"ts_ms\":1796030130400}")));
                }
            }
            producer.flush();
        }
    }

    static void awaitHeads(Sidecar sidecar, String prefix, int streams, int length) {
        Poll.until("every head of " + prefix + " is at version " + (length - 1), DEADLINE, () -> {
            for (int s = 0; s < streams; s++) {
                if (sidecar.heads().local(prefix + s).filter(h -> h.headVersion() == length - 1).isEmpty()) {
                    return false;
                }
            }
            return true;
        }, () -> sidecar.heads().local(prefix + "0").toString());
    }

    static boolean topicExists(String topic) {
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafka().bootstrapServers()))) {
            return admin.listTopics().names().get(30, java.util.concurrent.TimeUnit.SECONDS).contains(topic);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    @DisplayName("bad change events land in dead letters with their coordinates while good ones go through")
    void deadLetters() throws Exception {
        SidecarMetrics meters = new SidecarMetrics();
        String app = "it-dead-letters";
        try (Sidecar sidecar = sidecar(app, meters);
             KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                     ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafka().bootstrapServers()),
                     new ByteArraySerializer(), new ByteArraySerializer())) {
            List<byte[]> garbage = List.of(bytes("not json at all"), bytes("[1,2,3]"),
                    bytes("{\"op\":\"c\",\"before\":null,\"after\":{\"stream_id\":\"prescription-c9\"}}"));
            List<RecordMetadata> sent = new ArrayList<>();
            for (byte[] value : garbage) {
                sent.add(producer.send(new ProducerRecord<>(DemoStack.SOURCE_TOPIC,
                        bytes("{\"stream_id\":\"prescription-c9\"}"), value)).get());
            }
            write(Map.of("prescription-c1", 60), 3);

            Map<String, ConsumerRecord<byte[], byte[]>> letters = new HashMap<>();
            try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafka().bootstrapServers(),
                    ConsumerConfig.GROUP_ID_CONFIG, "it-dead-letter-reader",
                    ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                    ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                    new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                consumer.subscribe(List.of(app + "-dead-letters"));
                Poll.until("the garbage records reach the dead-letter topic", DEADLINE, () -> {
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                        letters.put(header(r, DeadLetters.PARTITION_HEADER) + "@" + header(r, DeadLetters.OFFSET_HEADER), r);
                    }
                    return sent.stream().allMatch(m -> letters.containsKey(m.partition() + "@" + m.offset()));
                }, () -> letters.keySet().toString());
            }
            for (int i = 0; i < sent.size(); i++) {
                ConsumerRecord<byte[], byte[]> letter = letters.get(sent.get(i).partition() + "@" + sent.get(i).offset());
                assertThat(header(letter, DeadLetters.TOPIC_HEADER)).isEqualTo(DemoStack.SOURCE_TOPIC);
                assertThat(header(letter, DeadLetters.REASON_HEADER)).isNotBlank();
                assertThat(letter.value()).as("the original bytes are kept").isEqualTo(garbage.get(i));
            }
            assertThat(header(letters.get(sent.get(2).partition() + "@" + sent.get(2).offset()), DeadLetters.REASON_HEADER))
                    .contains("stream_version");
            awaitNoneDue("prescription-c1", Map.of("prescription-c1", 60));
            assertThat(snapshotRows("prescription-c1").get("prescription-c1").firstKey()).isEqualTo(THRESHOLD - 1);
            assertThat(meters.registry().get("sidecar.ingest.dead.letters").counter().count()).isGreaterThanOrEqualTo(3);
        }
    }

    @Test
    @DisplayName("a sidecar killed hard and restarted misses no threshold and writes no wrong snapshot")
    void hardKillAndRestart() throws Exception {
        String app = "it-restart";
        Map<String, Integer> lengths = new LinkedHashMap<>();
        for (int i = 0; i < 16; i++) {
            lengths.put((i % 2 == 0 ? "patient-b" : "prescription-b") + i, 120 + 37 * i);
        }
        // streams whose last event lands just past a crossing right before the kill, and that get no later event
        // that could mask a crossing lost in the kill
        Map<String, Integer> settled = new LinkedHashMap<>();
        for (int i = 0; i < 8; i++) {
            settled.put((i % 2 == 0 ? "patient-bs" : "prescription-bs") + i, 100 + i % 3);
        }
        Map<String, Integer> firstHalf = new LinkedHashMap<>();
        lengths.forEach((id, n) -> firstHalf.put(id, n / 2));
        Path logs = Files.createDirectories(Path.of("target", "it-logs"));
        Process first = startSidecarProcess(app, logs.resolve(app + "-1.log"));
        try {
            write(firstHalf, 5);
            Poll.until("the first sidecar writes snapshots", DEADLINE,
                    () -> snapshotRows("%-b").size() >= 4, () -> snapshotRows("%-b").keySet().toString());
            write(settled, 6);
        } finally {
            first.destroyForcibly().waitFor(); // SIGKILL: no shutdown hook, no commit, no clean close
        }
        ExecutorService writer = Executors.newSingleThreadExecutor();
        Process second = startSidecarProcess(app, logs.resolve(app + "-2.log"));
        try {
            Future<?> rest = writer.submit(() -> probe.writeRest(lengths, firstHalf));
            rest.get();
            awaitNoneDue("%-b", lengths);
            awaitNoneDue("%-bs", settled);
        } finally {
            writer.shutdownNow();
            second.destroy();
            second.waitFor();
        }
        Map<String, TreeMap<Long, String>> rows = new TreeMap<>(snapshotRows("patient-b"));
        rows.putAll(snapshotRows("prescription-b"));
        assertThat(rows.keySet()).containsAll(lengths.keySet()).containsAll(settled.keySet());
        settled.forEach((id, length) -> assertThat(rows.get(id).lastKey()).as("%s's last crossing, at 99", id)
                .isBetween(99L, length - 1L));
        assertEverySnapshotEqualsFullReplay(rows);
    }

    @Test
    @DisplayName("no event or snapshot payload, and no payload of a bad record, ever reaches the log")
    void payloadsNeverLogged() throws Exception {
        String marker = "SSN-078-05-1120-" + System.nanoTime();
        ch.qos.logback.classic.LoggerContext logging =
                (ch.qos.logback.classic.LoggerContext) org.slf4j.LoggerFactory.getILoggerFactory();
        ch.qos.logback.classic.Logger ours = logging.getLogger("dev.snapshotsidecar");
        ch.qos.logback.classic.Level level = ours.getLevel();
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> captured =
                new ch.qos.logback.core.read.ListAppender<>();
        captured.start();
        logging.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).addAppender(captured);
        ours.setLevel(ch.qos.logback.classic.Level.DEBUG);
        String app = "it-no-payloads";
        try (Sidecar sidecar = sidecar(app, new SidecarMetrics(), Map.of("SIDECAR_AGGREGATE_TYPES_PATIENT_EVERY_N_EVENTS",
                "2"));
             KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                     ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafka().bootstrapServers()),
                     new ByteArraySerializer(), new ByteArraySerializer())) {
            String name = "{\"patientId\":\"p1\",\"name\":\"" + marker + "\",\"dateOfBirth\":\"1950-01-01\"}";
            probe.stores.appender().append(List.of(
                    new dev.snapshotsidecar.store.EventAppender.NewEvent("patient-secret-1", 0, "PatientRegistered", name),
                    new dev.snapshotsidecar.store.EventAppender.NewEvent("patient-secret-1", 1, "PatientAdmitted",
                            "{\"ward\":\"" + marker + "\",\"bed\":\"1\",\"at\":\"x\"}"),
                    new dev.snapshotsidecar.store.EventAppender.NewEvent("patient-secret-2", 0, "PatientRegistered", name),
                    new dev.snapshotsidecar.store.EventAppender.NewEvent("patient-secret-2", 1, "SecretLeaked",
                            "{\"value\":\"" + marker + "\"}")));
            for (String garbage : List.of(marker, "{\"op\":\"c\",\"after\":{\"stream_id\":\"patient-secret-3\",\"event_data\":\"" + marker
                            + "\"}}",
                    "{\"op\":\"" + marker + "\",\"after\":{}}")) {
                producer.send(new ProducerRecord<>(DemoStack.SOURCE_TOPIC, bytes("{\"stream_id\":\"patient-secret-3\"}"),
                        bytes(garbage))).get();
            }
            producer.send(new ProducerRecord<>(app + "-results", bytes("patient-secret-1"), bytes(marker))).get();
            producer.send(new ProducerRecord<>(app + "-requests", bytes("patient-secret-1"), bytes(marker))).get();
            Poll.until("the snapshot holding the marker is written", DEADLINE,
                    () -> probe.rows("patient-secret-1").containsKey("patient-secret-1"), () -> "none yet");
            assertThat(probe.rows("patient-secret-1").get("patient-secret-1").lastEntry().getValue().data())
                    .as("the snapshot holds the payload").contains(marker);
            Poll.until("the fold of the other stream failed and the garbage was dead-lettered", DEADLINE,
                    () -> captured.list.stream().anyMatch(e -> e.getFormattedMessage().contains("patient-secret-2")
                            && e.getFormattedMessage().contains("failed"))
                            && captured.list.stream().filter(e -> e.getFormattedMessage().contains("dead letters")
                            || e.getFormattedMessage().contains("dead-letter")).count() >= 2,
                    () -> captured.list.size() + " lines");
        } finally {
            logging.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).detachAppender(captured);
            ours.setLevel(level);
        }
        assertThat(captured.list).isNotEmpty().noneSatisfy(e -> {
            StringBuilder all = new StringBuilder(e.getFormattedMessage());
            for (ch.qos.logback.classic.spi.IThrowableProxy t = e.getThrowableProxy(); t != null; t = t.getCause()) {
                all.append(' ').append(t.getMessage());
            }
            assertThat(all.toString()).contains(marker);
        });
    }

    @Test
    @DisplayName("requests go to the stream's partition among topics.partitions: partitions added later stay unused")
    void addedRequestPartitionsStayUnused() throws Exception {
        String app = "it-more-partitions";
        stack.createTopics(8, app + "-requests");
        Map<String, Integer> lengths = new LinkedHashMap<>();
        for (int i = 0; i < 12; i++) {
            lengths.put("prescription-mp" + i, 60);
        }
        try (Sidecar sidecar = sidecar(app, new SidecarMetrics())) {
            write(lengths, 31);
            awaitNoneDue("prescription-mp%", lengths);
        }
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(Map.of(
                org.apache.kafka.clients.admin.AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                stack.kafka().bootstrapServers()))) {
            Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> latest =
                    new HashMap<>();
            for (int p = 0; p < 8; p++) {
                latest.put(new org.apache.kafka.common.TopicPartition(app + "-requests", p),
                        org.apache.kafka.clients.admin.OffsetSpec.latest());
            }
            Map<Integer, Long> ends = new TreeMap<>();
            admin.listOffsets(latest).all().get().forEach((tp, info) -> ends.put(tp.partition(), info.offset()));
            assertThat(ends.entrySet().stream().filter(e -> e.getKey() >= 4).mapToLong(Map.Entry::getValue).sum())
                    .as("records in the partitions beyond topics.partitions: %s", ends).isZero();
            assertThat(ends.values().stream().mapToLong(Long::longValue).sum()).isPositive();
        }
    }

    @Test
    @DisplayName("an operator resets a head a bad record moved beyond the stream's events, with reset-head")
    void resetHead() throws Exception {
        String app = "it-reset";
        String id = "prescription-reset-1";
        Path config = Files.createTempFile("sidecar-reset-", ".yaml");
        Files.writeString(config, String.join("\n",
                "kafka:", "  bootstrap-servers: " + stack.kafka().bootstrapServers(), "  application-id: " + app,
                "topics:", "  source: [" + DemoStack.SOURCE_TOPIC + "]", "  partitions: 4",
                "database:", "  jdbc-url: " + stack.postgres().jdbcUrl(), "  user: " + stack.postgres().user(),
                "  password: " + stack.postgres().password(),
                "aggregate-types:", "  prescription:", "    stream-id-pattern: \"prescription-.+\"",
                "    aggregator: clinical.prescription", "    every-n-events: 50", ""));
        try (Sidecar sidecar = sidecar(app, new SidecarMetrics());
             KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                     ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafka().bootstrapServers()),
                     new ByteArraySerializer(), new ByteArraySerializer())) {
            write(Map.of(id, 10), 41);
            Poll.until("the head reaches the stream's events", DEADLINE, () -> sidecar.heads().local(id)
                    .map(h -> h.headVersion() == 9).orElse(false), () -> String.valueOf(sidecar.heads().local(id)));
            // a row written by hand and removed, or a record produced again with an edited value: version 40
            producer.send(new ProducerRecord<>(DemoStack.SOURCE_TOPIC, bytes("{\"stream_id\":\"" + id + "\"}"),
                    bytes("{\"op\":\"c\",\"before\":null,\"after\":{\"stream_id\":\"" + id + "\","
                            + "\"stream_version\":40,\"event_type\":\"DoseAdministered\"},\"source\":{}}"))).get();
            Poll.until("the bad record moved the head", DEADLINE, () -> sidecar.heads().local(id)
                    .map(h -> h.headVersion() == 40).orElse(false), () -> String.valueOf(sidecar.heads().local(id)));
            java.io.StringWriter out = new java.io.StringWriter();
            picocli.CommandLine command = dev.snapshotsidecar.cli.Main.commandLine();
            command.setOut(new java.io.PrintWriter(out));
            assertThat(command.execute("reset-head", "--config", config.toString(), "--stream-id", id)).isZero();
            assertThat(out.toString()).contains("reset to version 9");
            Poll.until("the head is the database's again", DEADLINE, () -> sidecar.heads().local(id)
                    .map(h -> h.headVersion() == 9).orElse(false), () -> String.valueOf(sidecar.heads().local(id)));
            probe.writeRest(Map.of(id, 60), Map.of(id, 10));
            awaitNoneDue(id, Map.of(id, 60));
        }
        assertEverySnapshotEqualsFullReplay(snapshotRows(id));
    }

    /** The real command line in its own JVM, so that it can be killed without mercy. */
    static Process startSidecarProcess(String app, Path log) throws IOException {
        Path config = Files.createTempFile("sidecar-", ".yaml");
        try (var in = PipelineIT.class.getClassLoader().getResourceAsStream("demo/sidecar.yaml")) {
            Files.write(config, in.readAllBytes());
        }
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-jar", Path.of("target", "snapshot-sidecar.jar").toString(), "run", "--config",
                config.toString());
        Map<String, String> env = builder.environment();
        env.put("SIDECAR_KAFKA_BOOTSTRAP_SERVERS", stack.kafka().bootstrapServers());
        env.put("SIDECAR_KAFKA_APPLICATION_ID", app);
        env.put("SIDECAR_KAFKA_STATE_DIR", stack.stateDirectory().resolve(app).toString());
        env.put("SIDECAR_DATABASE_JDBC_URL", stack.postgres().jdbcUrl());
        env.put("SIDECAR_DATABASE_USER", stack.postgres().user());
        env.put("SIDECAR_DATABASE_PASSWORD", stack.postgres().password());
        env.putAll(topics(app));
        builder.redirectErrorStream(true).redirectOutput(log.toFile());
        return builder.start();
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        var header = record.headers().lastHeader(name);
        return header == null ? "" : new String(header.value(), StandardCharsets.UTF_8);
    }
}
