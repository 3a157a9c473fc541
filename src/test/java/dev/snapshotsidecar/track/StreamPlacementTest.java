package dev.snapshotsidecar.track;

import dev.snapshotsidecar.request.MessageSerdes;
import dev.snapshotsidecar.request.StreamPlacement;
import dev.snapshotsidecar.request.JsonSerde;
import dev.snapshotsidecar.request.RequestReason;
import dev.snapshotsidecar.request.SnapshotRequest;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.json.JsonConverter;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class StreamPlacementTest {
    static final List<String> IDS = List.of("patient-1", "prescription-00042", "patient-Zoë-ß", "x", "a\"quoted\\id");

    @Test
    @DisplayName("source placement writes the key Kafka Connect's JsonConverter writes (schemas off) and partitions it as the producer does")
    void sourceKeyIsTheConnectorsKey() {
        Schema schema = SchemaBuilder.struct().name("eventstore.event_store.events.Key")
                .field("stream_id", Schema.STRING_SCHEMA).build();
        JsonConverter converter = new JsonConverter();
        converter.configure(Map.of("schemas.enable", "false"), true);
        StreamPlacement.BySourceKey placement = new StreamPlacement.BySourceKey("stream_id");
        for (String id : IDS) {
            byte[] connectorKey = converter.fromConnectData("t", schema, new Struct(schema).put("stream_id", id));
            assertThat(placement.key(id)).as(id).isEqualTo(connectorKey);
            for (int partitions : new int[]{1, 4, 6, 12}) {
                assertThat(placement.partition(id, partitions))
                        .isEqualTo(BuiltInPartitioner.partitionForKey(connectorKey, partitions));
            }
        }
    }

    @Test
    @DisplayName("stream-id placement is the producer's partition of the bare id, as the repartition sink writes it")
    void streamIdIsTheRepartitionKey() {
        StreamPlacement placement = new StreamPlacement.ByStreamId();
        try (StringSerializer serializer = new StringSerializer()) {
            for (String id : IDS) {
                assertThat(placement.partition(id, 6))
                        .isEqualTo(BuiltInPartitioner.partitionForKey(serializer.serialize("t", id), 6));
            }
        }
        assertThat(placement.repartitions()).isTrue();
        assertThat(new StreamPlacement.BySourceKey("stream_id").repartitions()).isFalse();
    }

    @Test
    @DisplayName("a request names the partition its result goes to; one of format 1 names none")
    void requestsCarryTheirPartition() {
        SnapshotRequest request = SnapshotRequest.of("patient-1", "patient", 99, 49, RequestReason.THRESHOLD,
                Instant.parse("2026-11-28T09:00:00Z"));
        assertThat(request.resultsPartition()).isEmpty();
        assertThat(request.toPartition(3).resultsPartition()).contains(3);
        JsonSerde<SnapshotRequest> serde = MessageSerdes.REQUEST;
        assertThat(serde.deserialize("t", serde.serialize("t", request.toPartition(0))).resultsPartition()).contains(0);
        byte[] formatOne = ("{\"v\":1,\"streamId\":\"patient-1\",\"aggregateType\":\"patient\",\"headVersion\":99,"
                + "\"snapshotVersion\":49,\"reason\":\"THRESHOLD\",\"requestedAt\":\"2026-11-28T09:00:00Z\"}").getBytes();
        assertThat(serde.deserialize("t", formatOne).resultsPartition()).isEmpty();
    }
}
