package dev.snapshotsidecar.request;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.snapshotsidecar.config.Partitioning;
import dev.snapshotsidecar.config.SidecarConfig;
import org.apache.kafka.common.utils.Utils;

import java.nio.charset.StandardCharsets;

/**
 * Which tracker task, by partition, holds a stream's head: where its results go, whom the admin API asks about it, and
 * where a first start announces its latest snapshot. Both placements are Kafka's default partitioner on the bytes the
 * records are keyed with. Immutable.
 */
public sealed interface StreamPlacement {

    /** The partition, of {@code partitions}, whose task holds the stream's head. */
    int partition(String streamId, int partitions);

    /** Whether the topology re-keys events through the repartition topic to get them there. */
    boolean repartitions();

    /**
     * The partition of the requests topic a stream's requests go to, of the first {@code partitions}: Kafka's default
     * partitioner on the bare stream id. Chosen by the sender, so partitions added to the topic later stay unused and
     * one stream's requests never spread over two partitions (two workers).
     */
    static int requestPartition(String streamId, int partitions) {
        return Utils.toPositive(Utils.murmur2(streamId.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    /**
     * @param chosen {@code source} or {@code stream-id}: {@code auto} is resolved at start-up first (see
     *               {@code track.PlacementDecision})
     */
    static StreamPlacement of(Partitioning chosen, SidecarConfig config) {
        return switch (chosen) {
            case SOURCE -> new BySourceKey(config.database().columns().streamId());
            case STREAM_ID -> new ByStreamId();
            case AUTO -> throw new IllegalArgumentException("tracker.partitioning=auto names no placement until"
                    + " the start-up has resolved it");
        };
    }

    /** Events re-keyed by the bare stream id (UTF-8) through the repartition topic: {@code tracker.partitioning=stream-id}. */
    record ByStreamId() implements StreamPlacement {
        @Override
        public int partition(String streamId, int partitions) {
            return StreamPlacement.requestPartition(streamId, partitions);
        }

        @Override
        public boolean repartitions() {
            return true;
        }
    }

    /**
     * Events left where the connector wrote them, keyed {@code {"<stream id column>":"<id>"}} as Kafka Connect's
     * JsonConverter writes it with schemas off: {@code tracker.partitioning=source}.
     */
    record BySourceKey(String column) implements StreamPlacement {
        private static final ObjectMapper JSON = new ObjectMapper();

        @Override
        public int partition(String streamId, int partitions) {
            return Utils.toPositive(Utils.murmur2(key(streamId))) % partitions;
        }

        /** The connector's key of the stream. */
        public byte[] key(String streamId) {
            try {
                return JSON.writeValueAsBytes(JSON.createObjectNode().put(column, streamId));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("cannot write the key of " + streamId, e);
            }
        }

        @Override
        public boolean repartitions() {
            return false;
        }
    }
}
