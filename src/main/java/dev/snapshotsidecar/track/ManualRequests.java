package dev.snapshotsidecar.track;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

import java.time.Instant;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Sends an operator's request for a snapshot (reason MANUAL) straight to the requests topic; its result reaches the
 * tracker task that holds the stream's head like any other. Thread-safe; one producer for the process, closed with it.
 */
public final class ManualRequests implements AutoCloseable {
    private final KafkaProducer<String, SnapshotRequest> producer;
    private final String topic;
    private final StreamPlacement placement;
    private final int partitions;

    /** @param partitions the tracker's partitions, where {@code placement} finds the task holding a head */
    public ManualRequests(Map<String, String> clientProperties, String bootstrapServers, String topic,
                          StreamPlacement placement, int partitions) {
        Properties props = new Properties();
        props.putAll(clientProperties);
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        this.producer = new KafkaProducer<>(props, new StringSerializer(), TrackerTopology.REQUEST_SERDE);
        this.topic = topic;
        this.placement = placement;
        this.partitions = partitions;
    }

    public SnapshotRequest request(String streamId, StreamHead head)
            throws ExecutionException, InterruptedException, TimeoutException {
        SnapshotRequest request = SnapshotRequest.build(streamId, head.aggregateType(), head.incarnation(),
                head.headVersion(), head.snapshotVersion(), RequestReason.MANUAL, Instant.now())
                .toPartition(placement.partition(streamId, partitions));
        // the partition the tracker writes this stream's requests to, so one worker builds it
        producer.send(new ProducerRecord<>(topic, StreamPlacement.requestPartition(streamId, partitions), streamId,
                request)).get(30, TimeUnit.SECONDS);
        return request;
    }

    @Override
    public void close() {
        producer.close();
    }
}
