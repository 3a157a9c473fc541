package dev.snapshotsidecar.track;

import dev.snapshotsidecar.track.policy.EveryNEventsPolicy;
import dev.snapshotsidecar.request.MessageSerdes;
import dev.snapshotsidecar.request.StreamPlacement;
import dev.snapshotsidecar.request.RequestReason;
import dev.snapshotsidecar.request.SnapshotRequest;
import dev.snapshotsidecar.config.SidecarConfig;
import dev.snapshotsidecar.ingest.AggregateTypeResolver;
import dev.snapshotsidecar.ingest.ChangeEventParser;
import dev.snapshotsidecar.ingest.DebeziumEnvelopes.Connector;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Pattern;

import static dev.snapshotsidecar.ingest.DebeziumEnvelopes.bytes;
import static dev.snapshotsidecar.ingest.DebeziumEnvelopes.envelope;
import static dev.snapshotsidecar.ingest.DebeziumEnvelopes.flattened;
import static dev.snapshotsidecar.ingest.DebeziumEnvelopes.key;
import static dev.snapshotsidecar.ingest.DebeziumEnvelopes.row;
import static dev.snapshotsidecar.ingest.DebeziumEnvelopes.withSchema;
import static org.assertj.core.api.Assertions.assertThat;

/** SQL Server change events of every kind, through the whole topology, on its four-part topic. */
class SqlServerChangeEventsTest {
    static final String TOPIC = "eventstore.Clinical.event_store.events";

    @Test
    @DisplayName("inserts, snapshot reads, updates, deletes and tombstones are understood; garbage goes to dead letters")
    void everyKind() {
        SidecarConfig.Columns columns = new SidecarConfig.Columns("global_position", "stream_id", "stream_version",
                "event_type", "event_data", "metadata", "created_at", Optional.empty());
        ChangeEventParser parser = new ChangeEventParser(columns, new AggregateTypeResolver(List.of(
                new SidecarConfig.AggregateType("patient", Optional.of(Pattern.compile("patient-.+")),
                        Optional.empty(), "clinical.patient", 3))));
        TrackerSettings base = TrackerSettings.of(List.of(TOPIC), Map.of("patient", new EveryNEventsPolicy(3)), 0,
                Duration.ofMinutes(5), Duration.ofSeconds(30), Duration.ofSeconds(10), 100);
        TrackerSettings settings = new TrackerSettings(new TrackerSettings.Topics(base.sourceTopics(), "requests",
                "results", "dead-letters", "commands", 4), base.types(), 0, base.timing(), true,
                new StreamPlacement.ByStreamId(), false);
        Properties props = DriverProperties.of("sqlserver-test");
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (TopologyTestDriver driver = new TopologyTestDriver(TrackerTopology.build(settings, parser,
                java.time.Clock.systemUTC(), TrackerMetrics.bound(meters)), props)) {
            TestInputTopic<byte[], byte[]> in = driver.createInputTopic(TOPIC, new ByteArraySerializer(),
                    new ByteArraySerializer());
            var requests = driver.createOutputTopic("requests", new StringDeserializer(), MessageSerdes.REQUEST);
            var deadLetters = driver.createOutputTopic("dead-letters", new ByteArrayDeserializer(),
                    new ByteArrayDeserializer());
            KeyValueStore<String, StreamHead> heads = driver.getKeyValueStore(TrackerNames.HEADS_STORE);
            byte[] key = key("patient-1");

            in.pipeInput(key, bytes(envelope(Connector.SQLSERVER, "r", null, row(Connector.SQLSERVER, "patient-1", 0, "PatientRegistered"))));
            in.pipeInput(key, bytes(withSchema(Connector.SQLSERVER, envelope(Connector.SQLSERVER, "c", null,
                    row(Connector.SQLSERVER, "patient-1", 1, "PatientAdmitted")))));
            var updated = row(Connector.SQLSERVER, "patient-1", 1, "PatientAdmitted");
            in.pipeInput(key, bytes(envelope(Connector.SQLSERVER, "u", updated, updated)));
            in.pipeInput(key, "{\"op\":".getBytes(StandardCharsets.UTF_8));
            in.pipeInput(key, bytes(flattened(row(Connector.SQLSERVER, "patient-1", 2, "AllergyRecorded"), "c")));
            in.pipeInput(key, bytes(envelope(Connector.SQLSERVER, "d", row(Connector.SQLSERVER, "patient-1", 0, "X"), null)));
            in.pipeInput(key, (byte[]) null);

            SnapshotRequest threshold = requests.readValue();
            assertThat(threshold.headVersion()).isEqualTo(2);
            assertThat(threshold.reason()).isEqualTo(RequestReason.THRESHOLD);
            SnapshotRequest erase = requests.readValue();
            assertThat(erase.reason()).as("the delete erases the stream's snapshots").isEqualTo(RequestReason.ERASE);
            assertThat(requests.isEmpty()).as("the tombstone after the delete asks for nothing more").isTrue();
            assertThat(erase.position()).as("the highest global position of the incarnation seen")
                    .isEqualTo(1002);
            assertThat(heads.get("patient-1").erasing()).as("owed until the database confirms it").isTrue();
            assertThat(deadLetters.readRecordsToList()).hasSize(1);
            assertThat(meters.get("sidecar.ingest.events").tag("outcome", "appended").counter().count()).isEqualTo(3);
            assertThat(meters.get("sidecar.ingest.events").tag("outcome", "ignored-update").counter().count()).isEqualTo(1);
            assertThat(meters.get("sidecar.ingest.events").tag("outcome", "ignored-delete").counter().count()).isEqualTo(1);
            assertThat(meters.get("sidecar.ingest.events").tag("outcome", "ignored-tombstone").counter().count()).isEqualTo(1);
        }
    }
}
