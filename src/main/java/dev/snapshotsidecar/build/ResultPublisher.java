package dev.snapshotsidecar.build;

import dev.snapshotsidecar.request.DeadLetters;
import dev.snapshotsidecar.request.MessageSerdes;
import dev.snapshotsidecar.request.SnapshotResult;
import dev.snapshotsidecar.request.TrackerCommand;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Writes the worker's results and dead letters without holding a build thread: asynchronously, and when Kafka
 * refuses a record (after the producer's own retries) it is sent again after a backoff, until it is written or the
 * worker closes. Thread-safe; {@link #close()} once.
 */
final class ResultPublisher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ResultPublisher.class);

    private final KafkaProducer<byte[], byte[]> producer;
    private final String resultsTopic;
    private final String deadLettersTopic;
    private final Backoff backoff;
    private final Runnable retried;
    private final ScheduledExecutorService retryLater = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "snapshot-result-retry");
        thread.setDaemon(true);
        return thread;
    });
    private volatile boolean open = true;

    ResultPublisher(Map<String, String> clientProperties, String bootstrapServers, String resultsTopic,
                    String deadLettersTopic, Backoff backoff, Runnable retried) {
        Properties props = new Properties();
        props.putAll(clientProperties);
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5); // results are sent asynchronously: batching is free
        this.producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
        this.resultsTopic = resultsTopic;
        this.deadLettersTopic = deadLettersTopic;
        this.backoff = backoff;
        this.retried = retried;
    }

    /**
     * Publishes a result to {@code partition} (empty: the key decides), where the tracker task holding the stream's
     * head reads it. {@code done} hears true once it is written, false if the worker closes first.
     */
    void result(SnapshotResult result, Optional<Integer> partition, Consumer<Boolean> done) {
        send(new ProducerRecord<>(resultsTopic, partition.orElse(null), bytes(result.streamId()),
                MessageSerdes.RESULT.serialize(resultsTopic, result)), "the result of " + result.streamId(),
                1, done);
    }

    /** The partitions of the results topic (a metadata call of the producer, on the caller's thread). */
    int resultsPartitions() {
        return producer.partitionsFor(resultsTopic).size();
    }

    /**
     * Sends a command to every partition of {@code topic}, where every tracker task reads it; not sent again if Kafka
     * refuses it (a fold-speed report: the next one makes up for it). Blocks while the producer fetches the topic's
     * partitions, so it is called from the worker's reporting thread, never a build thread.
     */
    void command(String topic, TrackerCommand command) {
        if (!open) {
            return;
        }
        byte[] value = MessageSerdes.COMMAND.serialize(topic, command);
        try {
            for (PartitionInfo partition : producer.partitionsFor(topic)) {
                producer.send(new ProducerRecord<>(topic, partition.partition(), bytes(command.aggregateType()), value),
                        (metadata, e) -> {
                            if (e != null) {
                                LOG.debug("a {} command to {} was not written: {}", command.kind(), topic,
                                        e.getClass().getSimpleName());
                            }
                        });
            }
        } catch (RuntimeException e) {
            LOG.warn("a {} command to {} was not written: {}", command.kind(), topic, e.getClass().getSimpleName());
        }
    }

    /** Sends an unreadable request to dead letters, with its coordinates and reason in headers. */
    void deadLetter(byte[] key, byte[] value, String topic, int partition, long offset, String reason,
                    Consumer<Boolean> done) {
        Headers headers = new RecordHeaders();
        headers.add(DeadLetters.TOPIC_HEADER, bytes(topic));
        headers.add(DeadLetters.PARTITION_HEADER, bytes(Integer.toString(partition)));
        headers.add(DeadLetters.OFFSET_HEADER, bytes(Long.toString(offset)));
        headers.add(DeadLetters.REASON_HEADER, bytes(reason));
        send(new ProducerRecord<>(deadLettersTopic, null, key, value, headers), "a dead letter of " + topic + "-"
                + partition + "@" + offset, 1, done);
    }

    private void send(ProducerRecord<byte[], byte[]> record, String what, int attempt, Consumer<Boolean> done) {
        if (!open) {
            done.accept(false);
            return;
        }
        try {
            producer.send(record, (metadata, e) -> {
                if (e == null) {
                    done.accept(true);
                    return;
                }
                Duration wait = backoff.delay(attempt);
                LOG.warn("publishing {} failed: {}; attempt {} in {} ms", what, e.getClass().getSimpleName(),
                        attempt + 1, wait.toMillis());
                retried.run();
                try {
                    retryLater.schedule(() -> send(record, what, attempt + 1, done), wait.toMillis(),
                            TimeUnit.MILLISECONDS);
                } catch (RejectedExecutionException closing) {
                    done.accept(false);
                }
            });
        } catch (RuntimeException e) {
            // the producer is closed, or refused the record outright
            LOG.warn("publishing {} failed: {}", what, e.getClass().getSimpleName());
            done.accept(false);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Stops retrying; records already handed to the producer are flushed for up to {@code timeout}. */
    @Override
    public void close() {
        open = false;
        retryLater.shutdownNow();
        producer.close(Duration.ofSeconds(10));
    }
}
