package dev.snapshotsidecar.build;

import dev.snapshotsidecar.request.MessageSerdes;
import dev.snapshotsidecar.SidecarException;
import dev.snapshotsidecar.store.SnapshotStore;
import dev.snapshotsidecar.request.SnapshotResult;
import dev.snapshotsidecar.request.StreamPlacement;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * On a first start beside a database that already has snapshots, tells the tracker each stream's latest snapshot
 * version and aggregate type (as ALREADY_CURRENT results), read from the snapshots table in bounded batches, so that
 * streams are not rebuilt from scratch; then writes a BOOTSTRAP_COMPLETE marker to every results partition. A
 * tracker started with {@code TrackerSettings.awaitingBootstrap()} sends no request from a task before it has read
 * the marker of its partition, which comes after every announcement of that partition: the replayed events of a
 * stream never make it look due before its snapshot is known, whatever the records' timestamps.
 *
 * <p>Every send is confirmed by the broker; if any is not, the start fails (and the next one, still a first start,
 * announces again). Runs once, on the starting thread, before the topology starts.
 */
public final class SnapshotBootstrap {
    private static final Logger LOG = LoggerFactory.getLogger(SnapshotBootstrap.class);
    static final int BATCH = 1000;
    private static final long CONFIRM_SECONDS = 120;

    private SnapshotBootstrap() {
    }

    /** @return how many streams were announced */
    public static long publish(SnapshotStore snapshots, Map<String, String> clientProperties, String bootstrapServers,
                               String resultsTopic, StreamPlacement placement, int partitions) {
        Properties props = new Properties();
        props.putAll(clientProperties);
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        long announced = 0;
        try (KafkaProducer<String, SnapshotResult> producer = new KafkaProducer<>(props, new StringSerializer(),
                MessageSerdes.RESULT)) {
            String after = "";
            List<SnapshotStore.StreamVersion> page;
            while (!(page = snapshots.latestVersions(after, BATCH)).isEmpty()) {
                List<Future<RecordMetadata>> sent = new ArrayList<>(page.size());
                for (SnapshotStore.StreamVersion latest : page) {
                    sent.add(producer.send(new ProducerRecord<>(resultsTopic,
                            placement.partition(latest.streamId(), partitions), latest.streamId(),
                            SnapshotResult.announced(latest.streamId(), latest.version(), latest.aggregateType()))));
                }
                confirm(producer, sent, announced);
                announced += page.size();
                after = page.get(page.size() - 1).streamId();
            }
            if (announced > 0) {
                List<Future<RecordMetadata>> markers = new ArrayList<>(partitions);
                for (int partition = 0; partition < partitions; partition++) {
                    markers.add(producer.send(new ProducerRecord<>(resultsTopic, partition, SnapshotResult.MARKER_KEY,
                            SnapshotResult.bootstrapComplete())));
                }
                confirm(producer, markers, announced);
            }
        }
        LOG.info("first start: told the tracker the latest snapshot of {} existing streams", announced);
        return announced;
    }

    private static void confirm(KafkaProducer<?, ?> producer, List<Future<RecordMetadata>> sent, long before) {
        producer.flush();
        int failed = 0;
        Throwable first = null;
        for (Future<RecordMetadata> future : sent) {
            try {
                future.get(CONFIRM_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SidecarException("interrupted while announcing existing snapshots", e);
            } catch (ExecutionException | TimeoutException e) {
                failed++;
                first = first == null ? (e.getCause() == null ? e : e.getCause()) : first;
            }
        }
        if (failed > 0) {
            throw new SidecarException("first start: " + failed + " of " + sent.size() + " announcements of existing"
                    + " snapshots (after " + before + " written) were not written (" + first.getClass().getSimpleName()
                    + ": " + first.getMessage() + "); the start fails so that the next one announces them again",
                    first);
        }
    }
}
