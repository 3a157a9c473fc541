package dev.snapshotsidecar.track;

import dev.snapshotsidecar.request.MessageSerdes;
import dev.snapshotsidecar.request.StreamPlacement;
import dev.snapshotsidecar.request.RequestReason;
import dev.snapshotsidecar.request.SnapshotResult;
import dev.snapshotsidecar.request.SnapshotRequest;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.time.Instant;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * An operator's actions on one stream, sent where the tracker's own would go: a request for a snapshot (reason
 * MANUAL) to the stream's partition of the requests topic, whose result reaches the task holding the head like any
 * other; and a reset of the head to the database's last version, to the results partition that task reads.
 * Thread-safe; one producer for the process (or the command), closed with it.
 */
public final class ManualRequests implements AutoCloseable {
    private final KafkaProducer<String, byte[]> producer;
    private final String requestsTopic;
    private final String resultsTopic;
    private final StreamPlacement placement;
    private final int partitions;

    /** @param partitions the tracker's partitions, where {@code placement} finds the task holding a head */
    public ManualRequests(Map<String, String> clientProperties, String bootstrapServers, String requestsTopic,
                          String resultsTopic, StreamPlacement placement, int partitions) {
        Properties props = new Properties();
        props.putAll(clientProperties);
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        this.producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
        this.requestsTopic = requestsTopic;
        this.resultsTopic = resultsTopic;
        this.placement = placement;
        this.partitions = partitions;
    }

    public SnapshotRequest request(String streamId, StreamHead head)
            throws ExecutionException, InterruptedException, TimeoutException {
        SnapshotRequest request = SnapshotRequest.build(streamId, head.aggregateType(), head.incarnation(),
                head.headVersion(), head.snapshotVersion(), RequestReason.MANUAL, Instant.now())
                .toPartition(placement.partition(streamId, partitions));
        // the partition the tracker writes this stream's requests to, so one worker builds it
        producer.send(new ProducerRecord<>(requestsTopic, StreamPlacement.requestPartition(streamId, partitions),
                streamId, MessageSerdes.REQUEST.serialize(requestsTopic, request))).get(30, TimeUnit.SECONDS);
        return request;
    }

    /**
     * Resets the stream's head to {@code lastVersion}, the database's last version of it (-1 for none): for a head
     * a bad record moved beyond the stream's events, or one that fell behind them.
     */
    public void resetHead(String streamId, long lastVersion)
            throws ExecutionException, InterruptedException, TimeoutException {
        producer.send(new ProducerRecord<>(resultsTopic, placement.partition(streamId, partitions), streamId,
                MessageSerdes.RESULT.serialize(resultsTopic, SnapshotResult.headReset(streamId, lastVersion))))
                .get(30, TimeUnit.SECONDS);
    }

    /**
     * Sends a reconcile pass's corrections ({@link SnapshotResult#reconciled}), each to the results partition the
     * task holding the stream's head reads, and waits until the broker has them all.
     */
    public void reconcile(java.util.List<SnapshotResult> corrections)
            throws ExecutionException, InterruptedException, TimeoutException {
        java.util.List<java.util.concurrent.Future<?>> sent = new java.util.ArrayList<>();
        for (SnapshotResult correction : corrections) {
            sent.add(producer.send(new ProducerRecord<>(resultsTopic, placement.partition(correction.streamId(),
                    partitions), correction.streamId(), MessageSerdes.RESULT.serialize(resultsTopic, correction))));
        }
        for (java.util.concurrent.Future<?> f : sent) {
            f.get(30, TimeUnit.SECONDS);
        }
    }

    @Override
    public void close() {
        producer.close();
    }
}
