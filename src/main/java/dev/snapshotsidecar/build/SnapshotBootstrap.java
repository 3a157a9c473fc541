package dev.snapshotsidecar.build;

import dev.snapshotsidecar.store.SnapshotStore;
import dev.snapshotsidecar.track.Outcome;
import dev.snapshotsidecar.track.SnapshotResult;
import dev.snapshotsidecar.track.StreamPlacement;
import dev.snapshotsidecar.track.TrackerTopology;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * On a first start beside a database that already has snapshots, tells the tracker each stream's latest snapshot
 * version (as ALREADY_CURRENT results), read from the snapshots table in bounded batches, so that streams are not
 * rebuilt from scratch. Runs once, on the starting thread, before the topology starts; a topology started after
 * it announced anything must take its inputs in timestamp order ({@code TrackerTopology.orderedByTimestamp}).
 */
public final class SnapshotBootstrap {
    private static final Logger LOG = LoggerFactory.getLogger(SnapshotBootstrap.class);
    static final int BATCH = 1000;

    private SnapshotBootstrap() {
    }

    /** @return how many streams were announced */
    public static long publish(SnapshotStore snapshots, Map<String, String> clientProperties, String bootstrapServers,
                               String resultsTopic, StreamPlacement placement, int partitions) {
        Properties props = new Properties();
        props.putAll(clientProperties);
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        long announced = 0;
        try (KafkaProducer<String, SnapshotResult> producer = new KafkaProducer<>(props, new StringSerializer(),
                TrackerTopology.RESULT_SERDE)) {
            String after = "";
            List<SnapshotStore.StreamVersion> page;
            while (!(page = snapshots.latestVersions(after, BATCH)).isEmpty()) {
                for (SnapshotStore.StreamVersion latest : page) {
                    // timestamp 0: a task idling for order (TrackerTopology.orderedByTimestamp, set by the caller when
                    // this announced anything) takes the oldest record first, so these precede the replayed events
                    producer.send(new ProducerRecord<>(resultsTopic, placement.partition(latest.streamId(), partitions),
                            0L, latest.streamId(), SnapshotResult.of(
                            latest.streamId(), latest.version(), Outcome.ALREADY_CURRENT, "bootstrap", 0)));
                }
                announced += page.size();
                after = page.get(page.size() - 1).streamId();
            }
            producer.flush();
        }
        LOG.info("first start: told the tracker the latest snapshot of {} existing streams", announced);
        return announced;
    }
}
