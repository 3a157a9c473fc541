package dev.snapshotsidecar.track;

import dev.snapshotsidecar.request.JsonSerde;
import dev.snapshotsidecar.request.SnapshotResult;
import dev.snapshotsidecar.request.SnapshotRequest;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Reads a record of the sidecar's own results or commands topic. What cannot be read (not JSON, a required field
 * missing, a key that is not the record's stream) goes to dead letters with its reason, never stopping the task: an
 * older or newer version of the sidecar may have written it, or anything else. A value of an enumeration this version
 * does not know is not bad input: it reads as UNKNOWN and the head tracker ignores it. Runs on a stream thread.
 */
final class InputDecoder<T> implements Processor<byte[], byte[], String, ParseResult> {
    private static final Logger LOG = LoggerFactory.getLogger(InputDecoder.class);

    /** Checks a decoded value against its record's key; empty when it is fine, else the reason. */
    @FunctionalInterface
    interface Check<T> {
        Optional<String> problem(String key, T value);
    }

    private final String input;
    private final JsonSerde<T> serde;
    private final Check<T> check;
    private final java.util.function.Function<T, TrackerInput> wrap;
    private final TrackerMetrics metrics;
    private ProcessorContext<String, ParseResult> context;

    InputDecoder(String input, JsonSerde<T> serde, Check<T> check, java.util.function.Function<T, TrackerInput> wrap,
                 TrackerMetrics metrics) {
        this.input = input;
        this.serde = serde;
        this.check = check;
        this.wrap = wrap;
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<String, ParseResult> context) {
        this.context = context;
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        RecordMetadata where = context.recordMetadata().orElseThrow();
        String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
        Optional<String> problem;
        T value = null;
        if (record.value() == null) {
            problem = Optional.of("no value");
        } else {
            try {
                value = serde.deserialize(where.topic(), record.value());
                problem = key == null ? Optional.of("no key") : check.problem(key, value);
            } catch (SerializationException e) {
                problem = Optional.of(e.getMessage());
            }
        }
        if (problem.isPresent()) {
            metrics.inputDeadLettered(input);
            LOG.warn("{} record {}-{}@{} cannot be read and goes to dead letters: {}", input, where.topic(),
                    where.partition(), where.offset(), problem.get());
            context.forward(new Record<String, ParseResult>(key, new ParseResult.DeadLetter(record.key(),
                    record.value(), where.topic(), where.partition(), where.offset(), problem.get()),
                    record.timestamp()));
            return;
        }
        context.forward(new Record<>(key, new ParseResult.Decoded(wrap.apply(value)), record.timestamp()));
    }

    /** A result must name the stream it is keyed by, at a version a stream can have. */
    static Optional<String> checkResult(String key, SnapshotResult result) {
        if (!key.equals(result.streamId())) {
            return Optional.of("the result's streamId is not its record key");
        }
        if (result.version() < SnapshotRequest.NO_VERSION) {
            return Optional.of("version " + result.version() + " is below -1");
        }
        return Optional.empty();
    }
}
