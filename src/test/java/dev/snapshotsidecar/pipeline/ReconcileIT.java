package dev.snapshotsidecar.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.snapshotsidecar.cli.Main;
import dev.snapshotsidecar.observe.ReplayCostEstimate;
import dev.snapshotsidecar.observe.SidecarMetrics;
import dev.snapshotsidecar.runtime.Sidecar;
import dev.snapshotsidecar.testing.EventStoreProbe;
import dev.snapshotsidecar.testing.Poll;
import dev.snapshotsidecar.testing.SharedStack;
import dev.snapshotsidecar.testkit.DemoStack;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Reconcile on real parts: the tracker starts on a source topic that lacks part of the history Debezium captured
 * (the oldest records deleted with {@code Admin.deleteRecords}, as topic retention or a reset offset loses them, and
 * the last events of other streams never copied, as a connector that skipped a range), builds what it sees, and is
 * left with due streams it cannot know about; the {@code reconcile} command then brings every stream back to not due.
 */
@ExtendWith(SharedStack.class)
class ReconcileIT {
    static final Duration DEADLINE = Duration.ofMinutes(3);
    static final int THRESHOLD = PipelineIT.THRESHOLD;
    static final ObjectMapper JSON = new ObjectMapper();
    static EventStoreProbe probe;

    @BeforeAll
    static void connector() {
        probe = EventStoreProbe.get();
    }

    @Test
    @DisplayName("after change data capture lost a range, reconcile raises and starts heads until no stream is due")
    void healsLostHistory(@TempDir Path dir) throws Exception {
        String app = "it-reconcile";
        String source = app + "-source";
        // lost: every record deleted from the topic; cut: its last events never reached it; whole: all there
        Map<String, Integer> lost = streams("heal-lost-", 3, 75);
        Map<String, Integer> cut = streams("heal-cut-", 3, 160);
        Map<String, Integer> whole = streams("heal-whole-", 2, 60);
        Map<String, Integer> all = new LinkedHashMap<>(lost);
        all.putAll(cut);
        all.putAll(whole);
        probe.write(all, 41);
        Map<String, List<ConsumerRecord<byte[], byte[]>>> captured = captured(all);

        DemoStack stack = probe.stack;
        stack.createTopics(1, source);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafka().bootstrapServers()),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            long firstKept = 0;
            for (String id : lost.keySet()) {
                for (ConsumerRecord<byte[], byte[]> r : captured.get(id)) {
                    firstKept = send(producer, source, r).offset() + 1;
                }
            }
            for (String id : cut.keySet()) {
                for (ConsumerRecord<byte[], byte[]> r : captured.get(id)) {
                    if (version(r) < 70) { // versions 70..159 never reach the topic
                        send(producer, source, r);
                    }
                }
            }
            for (String id : whole.keySet()) {
                captured.get(id).forEach(r -> send(producer, source, r));
            }
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                    stack.kafka().bootstrapServers()))) {
                admin.deleteRecords(Map.of(new TopicPartition(source, 0), RecordsToDelete.beforeOffset(firstKept)))
                        .all().get(30, TimeUnit.SECONDS);
            }
        }

        SidecarMetrics metrics = new SidecarMetrics();
        // its types recognise this test's streams only: the shared events table holds every other test's too
        try (Sidecar sidecar = PipelineIT.sidecar(app, metrics, Map.of("SIDECAR_TOPICS_SOURCE", source,
                "SIDECAR_AGGREGATE_TYPES_PATIENT_STREAM_ID_PATTERN", "patient-heal-.+",
                "SIDECAR_AGGREGATE_TYPES_PRESCRIPTION_STREAM_ID_PATTERN", "prescription-heal-.+",
                "SIDECAR_RECONCILE_GRACE", "0s", "SIDECAR_WORKER_FOLD_REPORT_INTERVAL", "1s"))) {
            Poll.until("the tracker built what its topic shows: the whole streams, and the cut ones up to 69",
                    DEADLINE, () -> probe.due(whole, "%-heal-whole-%", THRESHOLD).isEmpty()
                            && cut.keySet().stream().allMatch(id -> probe.rows(id).containsKey(id)),
                    () -> "whole due " + probe.due(whole, "%-heal-whole-%", THRESHOLD));
            assertThat(probe.due(all, "%-heal-%", THRESHOLD)).as("due, and the tracker cannot know it")
                    .containsExactlyInAnyOrderElementsOf(concat(lost.keySet(), cut.keySet()));

            Path config = config(dir, app, stack);
            StringWriter out = new StringWriter();
            int exit = Main.commandLine().setOut(new PrintWriter(out)).execute("reconcile", "--config",
                    config.toString());
            assertThat(exit).isZero();
            assertThat(out.toString()).contains("reconcile pass requested from 4 tracker tasks");

            Poll.until("every stream back to not due", DEADLINE,
                    () -> probe.due(all, "%-heal-%", THRESHOLD).isEmpty(),
                    () -> "still due: " + probe.due(all, "%-heal-%", THRESHOLD));
            probe.assertEverySnapshotEqualsFullReplay(probe.rows("%-heal-%"));
            assertThat(counted(metrics, "sidecar.reconcile.corrected", "started")).isEqualTo(lost.size());
            assertThat(counted(metrics, "sidecar.reconcile.corrected", "raised")).isEqualTo(cut.size());
            assertThat(counted(metrics, "sidecar.track.reconciled", "started")).isEqualTo(lost.size());

            // the fold speed the worker measured reached the tracker, which now estimates replay costs from it
            Poll.until("the tracker's estimate rests on measured builds", DEADLINE,
                    () -> sidecar.replayCosts().get("patient").measuredEvents() > 0,
                    () -> sidecar.replayCosts().toString());
            ReplayCostEstimate patient = sidecar.replayCosts().get("patient");
            System.out.printf("reconcile IT: patient folds measured at %.1f µs/event, %.0f bytes/event, over %d"
                    + " events%n", patient.microsPerEvent(), patient.bytesPerEvent(), patient.measuredEvents());
            assertThat(patient.bytesPerEvent()).isGreaterThan(20);
            assertThat(metrics.scrape()).contains("sidecar_track_replay_cost_per_event_microseconds{aggregate_type=\"patient\"");
        }
    }

    static Map<String, Integer> streams(String infix, int count, int length) {
        Map<String, Integer> lengths = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            lengths.put((i % 2 == 0 ? "patient-" : "prescription-") + infix + i, length);
        }
        return lengths;
    }

    static List<String> concat(java.util.Collection<String> a, java.util.Collection<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    /** Every change event Debezium captured of these streams, per stream, in order. */
    static Map<String, List<ConsumerRecord<byte[], byte[]>>> captured(Map<String, Integer> lengths) {
        Map<String, List<ConsumerRecord<byte[], byte[]>>> byStream = new LinkedHashMap<>();
        lengths.keySet().forEach(id -> byStream.put(id, new ArrayList<>()));
        int expected = lengths.values().stream().mapToInt(Integer::intValue).sum();
        int[] seen = {0};
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, probe.stack.kafka().bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "it-reconcile-copy",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(DemoStack.SOURCE_TOPIC));
            Poll.until("Debezium captured every event written", DEADLINE, () -> {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    String id = streamId(r);
                    if (id != null && byStream.containsKey(id) && r.value() != null) {
                        byStream.get(id).add(r);
                        seen[0]++;
                    }
                }
                return seen[0] >= expected;
            }, () -> seen[0] + " of " + expected);
        }
        return byStream;
    }

    static String streamId(ConsumerRecord<byte[], byte[]> r) {
        try {
            return r.key() == null ? null : JSON.readTree(r.key()).path("stream_id").asText(null);
        } catch (java.io.IOException e) {
            return null;
        }
    }

    static long version(ConsumerRecord<byte[], byte[]> r) {
        try {
            JsonNode envelope = JSON.readTree(r.value());
            return envelope.path("after").path("stream_version").asLong();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static RecordMetadata send(KafkaProducer<byte[], byte[]> producer, String topic, ConsumerRecord<byte[], byte[]> r) {
        try {
            return producer.send(new ProducerRecord<>(topic, 0, r.key(), r.value())).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static double counted(SidecarMetrics metrics, String name, String correction) {
        return metrics.registry().find(name).tag("correction", correction).counters().stream()
                .mapToDouble(io.micrometer.core.instrument.Counter::count).sum();
    }

    /** The YAML an operator's reconcile command reads: the deployment's Kafka and topics. */
    static Path config(Path dir, String app, DemoStack stack) throws java.io.IOException {
        Path file = dir.resolve("sidecar.yaml");
        Files.writeString(file, """
                kafka: {bootstrap-servers: "%s", application-id: %s}
                topics: {source: [%s-source], commands: %s-commands, partitions: 4}
                database: {jdbc-url: "%s", user: "%s", password: "%s"}
                aggregate-types:
                  patient: {stream-id-pattern: "patient-.+", aggregator: clinical.patient}
                """.formatted(stack.kafka().bootstrapServers(), app, app, app, stack.postgres().jdbcUrl(),
                stack.postgres().user(), stack.postgres().password()));
        return file;
    }
}
