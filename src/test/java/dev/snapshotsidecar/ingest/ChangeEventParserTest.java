package dev.snapshotsidecar.ingest;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.snapshotsidecar.config.SidecarConfig;
import dev.snapshotsidecar.config.TimestampUnit;
import dev.snapshotsidecar.ingest.DebeziumEnvelopes.Connector;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

import static dev.snapshotsidecar.ingest.DebeziumEnvelopes.bytes;
import static dev.snapshotsidecar.ingest.DebeziumEnvelopes.envelope;
import static dev.snapshotsidecar.ingest.DebeziumEnvelopes.flattened;
import static dev.snapshotsidecar.ingest.DebeziumEnvelopes.key;
import static dev.snapshotsidecar.ingest.DebeziumEnvelopes.row;
import static dev.snapshotsidecar.ingest.DebeziumEnvelopes.text;
import static dev.snapshotsidecar.ingest.DebeziumEnvelopes.withSchema;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ChangeEventParserTest {
    static final SidecarConfig.Columns COLUMNS = new SidecarConfig.Columns("global_position", "stream_id",
            "stream_version", "event_type", "event_data", "metadata", "created_at", Optional.empty());
    static final ChangeEventParser PARSER = new ChangeEventParser(COLUMNS, new AggregateTypeResolver(List.of(
            new SidecarConfig.AggregateType("patient", Optional.of(Pattern.compile("patient-.+")), Optional.empty(),
                    "clinical.patient", 100))));

    private static ChangeEvent parse(byte[] value) {
        return PARSER.parse("eventstore.event_store.events", 2, 41, 1_000L, key("patient-1"), value);
    }

    private static AppendedEvent appended(byte[] value) {
        ChangeEvent event = parse(value);
        assertThat(event).isInstanceOf(ChangeEvent.Appended.class);
        return ((ChangeEvent.Appended) event).event();
    }

    @ParameterizedTest
    @EnumSource(Connector.class)
    @DisplayName("an insert without schemas becomes an appended event")
    void insertWithoutSchemas(Connector connector) {
        AppendedEvent event = appended(bytes(envelope(connector, "c", null, row(connector, "patient-1", 7, "PatientAdmitted"))));
        assertThat(event.streamId()).isEqualTo("patient-1");
        assertThat(event.version()).isEqualTo(7);
        assertThat(event.aggregateType()).isEqualTo("patient");
        assertThat(event.eventType()).isEqualTo("PatientAdmitted");
        assertThat(event.position()).isEqualTo("1007");
        assertThat(event.committedAt()).isEqualTo(Instant.ofEpochMilli(1_796_030_130_200L));
    }

    @ParameterizedTest
    @EnumSource(Connector.class)
    @DisplayName("an insert with schemas on gives the same appended event")
    void insertWithSchemas(Connector connector) {
        ObjectNode plain = envelope(connector, "c", null, row(connector, "patient-1", 7, "PatientAdmitted"));
        assertThat(appended(bytes(withSchema(connector, plain)))).isEqualTo(appended(bytes(plain)));
    }

    @ParameterizedTest
    @EnumSource(Connector.class)
    @DisplayName("a row of Debezium's initial snapshot (op r) advances a head like an insert")
    void initialSnapshotRow(Connector connector) {
        assertThat(appended(bytes(envelope(connector, "r", null, row(connector, "patient-1", 3, "PatientRegistered"))))
                .version()).isEqualTo(3);
    }

    @Test
    @DisplayName("without a global position column the position is the connector's log position")
    void logPositions() {
        ObjectNode pgRow = row(Connector.POSTGRES, "patient-1", 1, "X");
        pgRow.remove("global_position");
        ObjectNode sqlRow = row(Connector.SQLSERVER, "patient-1", 1, "X");
        sqlRow.remove("global_position");
        assertThat(appended(bytes(envelope(Connector.POSTGRES, "c", null, pgRow))).position()).isEqualTo("lsn:24023128");
        assertThat(appended(bytes(envelope(Connector.SQLSERVER, "c", null, sqlRow))).position())
                .isEqualTo("00000027:00000758:0005/00000027:00000758:0003/1");
    }

    @ParameterizedTest
    @EnumSource(Connector.class)
    @DisplayName("a flattened record takes its time from the created_at column, in the unit its connector uses")
    void flattenedInsert(Connector connector) {
        AppendedEvent event = appended(bytes(flattened(row(connector, "patient-1", 9, "AllergyRecorded"), "c")));
        assertThat(event.version()).isEqualTo(9);
        Instant expected = connector == Connector.POSTGRES ? Instant.parse("2026-11-28T09:15:30.123456Z")
                : Instant.ofEpochSecond(1_796_030_130L, 123_456_700L);
        assertThat(event.committedAt()).isEqualTo(expected);
    }

    @Test
    @DisplayName("a flattened record without __op is an insert")
    void flattenedWithoutOp() {
        assertThat(appended(bytes(row(Connector.POSTGRES, "patient-1", 2, "X"))).version()).isEqualTo(2);
    }

    @Test
    @DisplayName("datetime2 in micro and milliseconds is read by the field's schema name")
    void datetimeUnits() {
        ObjectNode micro = DebeziumEnvelopes.JSON.createObjectNode().put("name", "io.debezium.time.MicroTimestamp");
        ObjectNode milli = DebeziumEnvelopes.JSON.createObjectNode().put("name", "io.debezium.time.Timestamp");
        var number = DebeziumEnvelopes.JSON.getNodeFactory();
        assertThat(ChangeEventParser.timestamp(number.numberNode(1_000_000_001L), micro, TimestampUnit.AUTO))
                .contains(Instant.ofEpochSecond(1000, 1000));
        assertThat(ChangeEventParser.timestamp(number.numberNode(1_500L), milli, TimestampUnit.NANOSECONDS))
                .as("the schema name wins over the configured unit").contains(Instant.ofEpochMilli(1_500));
        assertThat(ChangeEventParser.timestamp(number.numberNode(1_500L), null, TimestampUnit.MICROSECONDS))
                .contains(Instant.ofEpochSecond(0, 1_500_000));
        assertThat(ChangeEventParser.timestamp(number.numberNode(1_796_030_130_123L), null, TimestampUnit.AUTO))
                .contains(Instant.ofEpochMilli(1_796_030_130_123L));
    }

    @ParameterizedTest
    @EnumSource(Connector.class)
    @DisplayName("updates move no head and say why; deletes name the stream and the deleted row's global position")
    void updatesAndDeletes(Connector connector) {
        ObjectNode row = row(connector, "patient-1", 4, "X");
        assertThat(parse(bytes(envelope(connector, "u", row, row))))
                .isEqualTo(new ChangeEvent.Ignored(IgnoredReason.UPDATE, Optional.of("patient-1")));
        assertThat(parse(bytes(envelope(connector, "d", row, null))))
                .isEqualTo(new ChangeEvent.Deleted("patient-1", 1004));
        assertThat(parse(bytes(flattened(row, "d"))))
                .isEqualTo(new ChangeEvent.Deleted("patient-1", 1004));
        row.remove("global_position");
        assertThat(parse(bytes(envelope(connector, "d", row, null)))).as("an image without the position")
                .isEqualTo(new ChangeEvent.Deleted("patient-1", -1));
    }

    @Test
    @DisplayName("a PostgreSQL delete whose image holds only the primary key takes the stream id from the key")
    void deleteWithKeyOnlyImage() {
        ObjectNode before = DebeziumEnvelopes.JSON.createObjectNode().put("global_position", 1007);
        assertThat(parse(bytes(envelope(Connector.POSTGRES, "d", before, null))))
                .isEqualTo(new ChangeEvent.Deleted("patient-1", 1007));
    }

    @Test
    @DisplayName("a tombstone is ignored with the stream id from the key")
    void tombstone() {
        assertThat(parse(null)).isEqualTo(new ChangeEvent.Ignored(IgnoredReason.TOMBSTONE, Optional.of("patient-1")));
    }

    @Test
    @DisplayName("a truncate is ignored")
    void truncate() {
        ObjectNode truncate = envelope(Connector.POSTGRES, "t", null, null);
        assertThat(parse(bytes(truncate))).isEqualTo(new ChangeEvent.Ignored(IgnoredReason.TRUNCATE, Optional.empty()));
    }

    @Test
    @DisplayName("a stream no aggregate type recognises is ignored, not dead-lettered")
    void untracked() {
        assertThat(parse(bytes(envelope(Connector.POSTGRES, "c", null, row(Connector.POSTGRES, "invoice-9", 1, "X")))))
                .isEqualTo(new ChangeEvent.Ignored(IgnoredReason.UNTRACKED_TYPE, Optional.of("invoice-9")));
    }

    @Test
    @DisplayName("garbage is unparseable, with topic, partition, offset and reason")
    void garbage() {
        assertThatThrownBy(() -> parse(text("not json {")))
                .isInstanceOfSatisfying(UnparseableChangeEventException.class, e -> {
                    assertThat(e.topic()).isEqualTo("eventstore.event_store.events");
                    assertThat(e.partition()).isEqualTo(2);
                    assertThat(e.offset()).isEqualTo(41);
                    assertThat(e.reason()).startsWith("value is not JSON").doesNotContain("not json");
                });
        assertThatThrownBy(() -> parse(text("[1,2]"))).isInstanceOf(UnparseableChangeEventException.class)
                .hasMessageContaining("not a JSON object");
    }

    @Test
    @DisplayName("an event time no commit can have (before 1900, after 9999) is unparseable, not a head's clock")
    void implausibleTimes() {
        for (String time : List.of("1800-01-01T00:00:00Z", "+12000-01-01T00:00:00Z")) {
            ObjectNode row = row(Connector.POSTGRES, "patient-1", 1, "X");
            row.put("created_at", time);
            assertThatThrownBy(() -> parse(bytes(flattened(row, "c"))))
                    .isInstanceOf(UnparseableChangeEventException.class).hasMessageContaining("1900 to 9999");
        }
    }

    @Test
    @DisplayName("an insert without a usable version or stream id is unparseable and names the column")
    void missingColumns() {
        ObjectNode noVersion = row(Connector.POSTGRES, "patient-1", 1, "X");
        noVersion.put("stream_version", "seven");
        assertThatThrownBy(() -> parse(bytes(envelope(Connector.POSTGRES, "c", null, noVersion))))
                .isInstanceOf(UnparseableChangeEventException.class).hasMessageContaining("'stream_version'");
        ObjectNode noId = row(Connector.POSTGRES, "patient-1", 1, "X");
        noId.remove("stream_id");
        assertThatThrownBy(() -> parse(bytes(envelope(Connector.POSTGRES, "c", null, noId))))
                .isInstanceOf(UnparseableChangeEventException.class).hasMessageContaining("'stream_id'");
        assertThatThrownBy(() -> parse(bytes(envelope(Connector.POSTGRES, "x", null, noId))))
                .isInstanceOf(UnparseableChangeEventException.class).hasMessageContaining("unknown op (expected one of").hasMessageNotContaining("'x'");
    }

    @Test
    @DisplayName("with a type column, the aggregate type comes from its value")
    void typeColumn() {
        SidecarConfig.Columns columns = new SidecarConfig.Columns("global_position", "stream_id", "stream_version",
                "event_type", "event_data", "metadata", "created_at", Optional.of("aggregate_type"));
        ChangeEventParser parser = new ChangeEventParser(columns, new AggregateTypeResolver(List.of(
                new SidecarConfig.AggregateType("rx", Optional.empty(), Optional.of("Prescription"),
                        "clinical.prescription", 50))));
        ObjectNode row = row(Connector.POSTGRES, "7f3a", 1, "PrescriptionCreated");
        row.put("aggregate_type", "Prescription");
        ChangeEvent event = parser.parse("t", 0, 0, 0, null, bytes(envelope(Connector.POSTGRES, "c", null, row)));
        assertThat(((ChangeEvent.Appended) event).event().aggregateType()).isEqualTo("rx");
    }
}
