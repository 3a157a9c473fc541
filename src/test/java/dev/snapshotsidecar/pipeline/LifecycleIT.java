package dev.snapshotsidecar.pipeline;

import dev.snapshotsidecar.request.MessageSerdes;
import dev.snapshotsidecar.runtime.Sidecar;
import dev.snapshotsidecar.lifecycle.PatientSchemaTwoAggregator;
import dev.snapshotsidecar.testing.EventStoreProbe;
import dev.snapshotsidecar.testing.EventStoreProbe.Row;
import dev.snapshotsidecar.testing.Poll;
import dev.snapshotsidecar.testing.SharedStack;
import dev.snapshotsidecar.request.SnapshotRequest;
import dev.snapshotsidecar.observe.SidecarMetrics;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The snapshot lifecycle on real parts: the day-one storm, retention, a schema rebuild, erasure and bootstrap.
 * Each test has its own stream ids, application id and topics; every sidecar reads the shared Debezium topic.
 */
@ExtendWith(SharedStack.class)
class LifecycleIT {
    static final Duration DEADLINE = Duration.ofMinutes(3);
    static EventStoreProbe probe;

    @BeforeAll
    static void connector() {
        probe = EventStoreProbe.get();
    }

    static Map<String, Integer> streams(String prefix, int count, int length) {
        Map<String, Integer> lengths = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            lengths.put(prefix + String.format("%05d", i), length);
        }
        return lengths;
    }

    @Test
    @DisplayName("day one: streams whose history is replayed all at once are built within the builds-per-second limit")
    void dayOneStorm() {
        Map<String, Integer> lengths = streams("patient-storm-", 1500, 5);
        probe.write(lengths, 11);
        int limit = 150;
        try (Sidecar sidecar = PipelineIT.sidecar("it-day-one", new SidecarMetrics(), Map.of(
                "SIDECAR_AGGREGATE_TYPES_PATIENT_EVERY_N_EVENTS", "5",
                "SIDECAR_WORKER_MAX_BUILDS_PER_SECOND", Integer.toString(limit)))) {
            Poll.until("every stream of the storm has its snapshot", DEADLINE,
                    () -> probe.due(lengths, "patient-storm-%", 5).isEmpty(),
                    () -> probe.due(lengths, "patient-storm-%", 5).size() + " still due");
        }
        List<Long> created = new ArrayList<>();
        probe.rows("patient-storm-%").values().forEach(v -> v.values().forEach(r -> created.add(r.createdAt().getTime())));
        created.sort(null);
        int busiest = 0;
        for (int i = 0, j = 0; i < created.size(); i++) {
            while (created.get(i) - created.get(j) >= 1000) {
                j++;
            }
            busiest = Math.max(busiest, i - j + 1);
        }
        System.out.printf("day one: %d snapshots in %.1f s, %d in the busiest second (limit %d/s)%n", created.size(),
                (created.get(created.size() - 1) - created.get(0)) / 1000.0, busiest, limit);
        assertThat(created).hasSizeGreaterThanOrEqualTo(1500);
        // created_at is the database's clock at the write, a few milliseconds after the permit: one of slack
        assertThat(busiest).isLessThanOrEqualTo(limit + 2);
    }

    @Test
    @DisplayName("retention never leaves more than K snapshots of a stream")
    void retention() {
        Map<String, Integer> lengths = streams("prescription-keep-", 5, 400);
        int keep = 2;
        List<Integer> seen = new ArrayList<>();
        try (Sidecar sidecar = PipelineIT.sidecar("it-retention", new SidecarMetrics(), Map.of(
                "SIDECAR_AGGREGATE_TYPES_PRESCRIPTION_EVERY_N_EVENTS", "20",
                "SIDECAR_AGGREGATE_TYPES_PRESCRIPTION_KEEP_SNAPSHOTS", Integer.toString(keep)))) {
            probe.write(lengths, 12);
            Poll.until("every stream is snapshotted to its end", DEADLINE, () -> {
                probe.rows("prescription-keep-%").values().forEach(v -> seen.add(v.size()));
                return probe.due(lengths, "prescription-keep-%", 20).isEmpty();
            }, () -> probe.due(lengths, "prescription-keep-%", 20).toString());
        }
        Map<String, TreeMap<Long, Row>> rows = probe.rows("prescription-keep-%");
        assertThat(rows).hasSize(5).allSatisfy((id, versions) -> assertThat(versions).hasSize(keep));
        assertThat(seen).isNotEmpty().allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(keep + 1));
        probe.assertEverySnapshotEqualsFullReplay(rows);
    }

    @Test
    @DisplayName("a schema bump and a rebuild replace every snapshot, and no snapshot of the old version is read")
    void schemaRebuild() throws Exception {
        Map<String, Integer> lengths = new LinkedHashMap<>();
        int[] sizes = {60, 130, 75, 210, 95, 170};
        for (int i = 0; i < sizes.length; i++) {
            lengths.put("patient-schema-" + i, sizes[i]);
        }
        String app = "it-schema";
        try (Sidecar v1 = PipelineIT.sidecar(app, new SidecarMetrics())) {
            probe.write(lengths, 13);
            Poll.until("schema 1 snapshots of every stream", DEADLINE,
                    () -> probe.due(lengths, "patient-schema-%", 50).isEmpty(), () -> "still due");
        }
        assertThat(probe.rows("patient-schema-%").values()).allSatisfy(v -> assertThat(v.values())
                .allSatisfy(r -> assertThat(r.schemaVersion()).isEqualTo(1)));
        // were an old snapshot read, the new fold would start from this and differ from full replay
        probe.execute("UPDATE event_store.snapshots SET snapshot_data = ? WHERE stream_id LIKE 'patient-schema-%'",
                "{\"patientId\":\"tampered\",\"allergies\":[],\"diagnoses\":[]}");
        Map<String, String> v2 = Map.of("SIDECAR_AGGREGATE_TYPES_PATIENT_AGGREGATOR", PatientSchemaTwoAggregator.NAME,
                "SIDECAR_TRACKER_REBUILD_BATCH", "2");
        try (Sidecar sidecar = PipelineIT.sidecar(app, new SidecarMetrics(), v2)) {
            // no rebuild command: the worker sees snapshots of another schema version than its fold's and starts the
            // rebuild itself (SchemaWatch); a second rebuild asked for meanwhile would walk the bands again and mix
            // two walks in the requests topic
            Poll.until("a schema 2 snapshot of every stream", DEADLINE, () -> lengths.keySet().stream().allMatch(id ->
                    probe.rows(id).getOrDefault(id, new TreeMap<>()).values().stream()
                            .anyMatch(r -> r.schemaVersion() == 2)), () -> probe.rows("patient-schema-%").toString());
            Map<Integer, List<String>> byTask = rebuildOrder(app, lengths.keySet());
            assertThat(byTask.values().stream().mapToInt(List::size).sum()).isEqualTo(lengths.size());
            byTask.forEach((task, order) -> {
                List<Integer> bands = order.stream().map(id -> 31 - Integer.numberOfLeadingZeros(lengths.get(id)))
                        .toList();
                assertThat(bands).as("task %d asks for its longest streams first: %s", task, order)
                        .isSortedAccordingTo(java.util.Comparator.reverseOrder());
            });
        }
        probe.rows("patient-schema-%").forEach((id, versions) -> versions.forEach((version, row) -> {
            if (row.schemaVersion() == 2) {
                assertThat(row.data()).isEqualTo(probe.fullReplay(id, version));
            }
        }));
    }

    /** Per tracker task (request partition), the streams the rebuild asked for, in the order it asked. */
    static Map<Integer, List<String>> rebuildOrder(String app, java.util.Set<String> ids) {
        List<ConsumerRecord<String, SnapshotRequest>> rebuilds = new ArrayList<>();
        try (KafkaConsumer<String, SnapshotRequest> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedStack.stack().kafka().bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, app + "-order-reader",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                new StringDeserializer(), MessageSerdes.REQUEST)) {
            consumer.subscribe(List.of(app + "-requests"));
            Poll.until("the rebuild requests are readable", DEADLINE, () -> {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> {
                    if (r.value().reason() == dev.snapshotsidecar.request.RequestReason.REBUILD && ids.contains(r.key())) {
                        rebuilds.add(r);
                    }
                });
                return rebuilds.size() >= ids.size();
            }, () -> rebuilds.size() + " rebuild requests");
        }
        Map<Integer, List<String>> byTask = new TreeMap<>();
        rebuilds.stream().sorted(java.util.Comparator.comparingLong(ConsumerRecord::offset))
                .forEach(r -> byTask.computeIfAbsent(r.partition(), p -> new ArrayList<>()).add(r.key()));
        return byTask;
    }

    @Test
    @DisplayName("erasure: a deleted stream loses its snapshots even when the database was down past the give-up;"
            + " an archived one keeps them and builds on; others keep theirs")
    void erasure() throws Exception {
        Map<String, Integer> lengths = streams("prescription-erase-", 4, 120);
        String deleted = "prescription-erase-00001";
        String archived = "prescription-erase-00002";
        String erasedDuringOutage = "prescription-erase-00003";
        SidecarMetrics metrics = new SidecarMetrics();
        try (dev.snapshotsidecar.testing.TcpProxy database = new dev.snapshotsidecar.testing.TcpProxy("localhost",
                probe.stack.postgres().port());
             Sidecar sidecar = PipelineIT.sidecar("it-erasure", metrics, Map.of(
                     "SIDECAR_DATABASE_JDBC_URL", "jdbc:postgresql://127.0.0.1:" + database.port() + "/"
                             + probe.stack.postgres().database(),
                     "SIDECAR_WORKER_RETRY_GIVE_UP_AFTER", "2s", "SIDECAR_TRACKER_FAILURE_BACKOFF", "1s"))) {
            probe.write(lengths, 14);
            Poll.until("snapshots of every stream", DEADLINE,
                    () -> probe.due(lengths, "prescription-erase-%", 50).isEmpty(), () -> "still due");

            probe.execute("DELETE FROM event_store.events WHERE stream_id = ?", deleted);
            Poll.until("the erased stream has no snapshot left", DEADLINE,
                    () -> !probe.rows(deleted).containsKey(deleted), () -> probe.rows(deleted).toString());

            // archiving: the oldest events go, the latest snapshot stays the start of every read
            long latest = probe.rows(archived).get(archived).lastKey();
            List<dev.snapshotsidecar.fold.StoredEvent> history = new ArrayList<>();
            probe.stores.events().read(archived, 0, Long.MAX_VALUE, history::add);
            probe.execute("DELETE FROM event_store.events WHERE stream_id = ? AND stream_version < ?", archived,
                    (int) latest);
            probe.writeRest(Map.of(archived, 180), Map.of(archived, 120));
            Poll.until("the archived stream is snapshotted on from its latest snapshot", DEADLINE,
                    () -> probe.due(Map.of(archived, 180), archived, 50).isEmpty(),
                    () -> probe.rows(archived).get(archived).keySet().toString());
            probe.stores.events().read(archived, 120, Long.MAX_VALUE, history::add);
            var rows = probe.rows(archived).get(archived);
            assertThat(rows.firstKey()).as("its snapshots were not erased").isLessThanOrEqualTo(latest);
            assertThat(rows.lastEntry().getValue().data()).as("the new snapshot equals the fold of the whole history")
                    .isEqualTo(fold(history, rows.lastKey()));

            // the database is away longer than the worker's give-up while the stream is erased
            database.cut();
            probe.execute("DELETE FROM event_store.events WHERE stream_id = ?", erasedDuringOutage);
            Poll.until("the erasure failed at least once", DEADLINE,
                    () -> metrics.registry().get("sidecar.track.erasures").tag("outcome", "failed").counter()
                            .count() >= 1, () -> "no failure yet");
            assertThat(probe.rows(erasedDuringOutage)).containsKey(erasedDuringOutage);
            database.restore();
            Poll.until("the erasure is asked again and confirmed", DEADLINE,
                    () -> !probe.rows(erasedDuringOutage).containsKey(erasedDuringOutage),
                    () -> probe.rows(erasedDuringOutage).toString());
            Poll.until("no erasure owed", DEADLINE, () -> metrics.registry().get("sidecar.track.erasures")
                    .tag("outcome", "confirmed").counter().count() >= 2, () -> "confirmations missing");
        }
        assertThat(probe.rows("prescription-erase-%")).containsOnlyKeys("prescription-erase-00000", archived);
    }

    /** The clinical fold of the events up to {@code version}, by the aggregator itself, from the first event. */
    static String fold(List<dev.snapshotsidecar.fold.StoredEvent> events, long version) {
        var aggregator = new dev.snapshotsidecar.clinical.PrescriptionAggregator();
        var state = aggregator.initialState();
        for (var event : events) {
            if (event.version() <= version) {
                state = aggregator.apply(state, event);
            }
        }
        return aggregator.toJson(state);
    }

    @Test
    @DisplayName("a first start whose announcements the broker refuses fails, saying so, instead of losing them")
    void bootstrapRefused() throws Exception {
        String topic = "it-bootstrap-refused-results";
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(Map.of(
                org.apache.kafka.clients.admin.AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                SharedStack.stack().kafka().bootstrapServers()))) {
            admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic(topic, 4, (short) 1)
                    .configs(Map.of("max.message.bytes", "64")))).all().get(); // every announcement is too large
        }
        probe.execute("INSERT INTO event_store.snapshots (stream_id, stream_version, aggregate_type, snapshot_data,"
                + " schema_version) VALUES ('prescription-refused-1', 3, 'prescription', '{}', 1)"
                + " ON CONFLICT DO NOTHING");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> dev.snapshotsidecar.build.SnapshotBootstrap.publish(
                        probe.stores.snapshots(), Map.of(), SharedStack.stack().kafka().bootstrapServers(), topic,
                        new dev.snapshotsidecar.request.StreamPlacement.ByStreamId(), 4))
                .isInstanceOf(dev.snapshotsidecar.SidecarException.class).hasMessageContaining("were not written")
                .hasMessageContaining("RecordTooLargeException");
    }

    @Test
    @DisplayName("a first start beside existing snapshots learns their versions instead of rebuilding them")
    void bootstrap() {
        Map<String, Integer> lengths = streams("prescription-boot-", 4, 120);
        probe.write(lengths, 15);
        lengths.keySet().forEach(id -> probe.execute("INSERT INTO event_store.snapshots (stream_id, stream_version,"
                + " aggregate_type, snapshot_data, schema_version) VALUES (?, 99, 'prescription', ?, 1)", id,
                probe.fullReplay(id, 99)));
        // a stream whose latest snapshot is its head: every event the tracker replays is at or below it
        String atHead = "prescription-boot-at-head";
        probe.write(Map.of(atHead, 100), 17);
        probe.execute("INSERT INTO event_store.snapshots (stream_id, stream_version, aggregate_type, snapshot_data,"
                + " schema_version) VALUES (?, 99, 'prescription', ?, 1)", atHead, probe.fullReplay(atHead, 99));
        String app = "it-bootstrap";
        try (Sidecar sidecar = PipelineIT.sidecar(app, new SidecarMetrics())) {
            List<String> requested = new ArrayList<>();
            try (KafkaConsumer<String, SnapshotRequest> consumer = new KafkaConsumer<>(Map.of(
                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedStack.stack().kafka().bootstrapServers(),
                    ConsumerConfig.GROUP_ID_CONFIG, app + "-reader", ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                    "earliest", ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                    new StringDeserializer(), MessageSerdes.REQUEST)) {
                consumer.subscribe(List.of(app + "-requests"));
                // the tracker has caught up once requests for streams written after these ones appear
                Map<String, Integer> later = streams("prescription-boot-later-", 1, 60);
                probe.write(later, 16);
                Poll.until("the tracker reaches the stream written after them", DEADLINE, () -> {
                    consumer.poll(Duration.ofMillis(200)).forEach(r -> requested.add(r.key()));
                    return requested.contains("prescription-boot-later-00000");
                }, requested::toString);
            }
            assertThat(requested).as("120 events, snapshots at 99, threshold 50: nothing is due")
                    .noneMatch(id -> lengths.containsKey(id) || id.equals(atHead));
            Poll.until("the head whose snapshot equals it knows its type", DEADLINE,
                    () -> sidecar.heads().local(atHead).map(h -> h.aggregateType().equals("prescription")
                            && h.snapshotVersion() == 99 && h.headVersion() == 99).orElse(false),
                    () -> String.valueOf(sidecar.heads().local(atHead)));
        }
    }
}
