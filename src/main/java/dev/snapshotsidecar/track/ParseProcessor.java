package dev.snapshotsidecar.track;

import dev.snapshotsidecar.ingest.ChangeEvent;
import dev.snapshotsidecar.ingest.ChangeEventParser;
import dev.snapshotsidecar.ingest.IgnoredReason;
import dev.snapshotsidecar.ingest.UnparseableChangeEventException;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;

/**
 * Parses each change event; forwards appended events, deletions (when erasure is on) and dead letters, counts and
 * drops the rest. Runs on a stream thread: pure CPU, no I/O.
 */
final class ParseProcessor implements Processor<byte[], byte[], byte[], ParseResult> {
    private static final Logger LOG = LoggerFactory.getLogger(ParseProcessor.class);

    private final ChangeEventParser parser;
    private final TrackerMetrics metrics;
    private final TrackerSettings settings;
    private ProcessorContext<byte[], ParseResult> context;

    ParseProcessor(ChangeEventParser parser, TrackerMetrics metrics, TrackerSettings settings) {
        this.parser = parser;
        this.metrics = metrics;
        this.settings = settings;
    }

    @Override
    public void init(ProcessorContext<byte[], ParseResult> context) {
        this.context = context;
    }

    /**
     * Without a repartition topic a head lives in the task of its source partition; an event of the stream in another
     * partition would start a second head there, so it is refused (the source is not keyed by the stream id alone).
     */
    private void checkPlacement(RecordMetadata where, String streamId) {
        if (settings.placement().repartitions()) {
            return;
        }
        int expected = settings.placement().partition(streamId, settings.partitions());
        if (expected != where.partition()) {
            throw new UnparseableChangeEventException(where.topic(), where.partition(), where.offset(),
                    "tracker.partitioning=source expects stream " + streamId + " in partition " + expected
                            + " of " + settings.partitions() + ": key the source by the stream id alone (JSON, schemas"
                            + " off) with topics.partitions partitions, or use tracker.partitioning=stream-id");
        }
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        RecordMetadata where = context.recordMetadata().orElseThrow();
        try {
            ChangeEvent event = parser.parse(where.topic(), where.partition(), where.offset(), record.timestamp(),
                    record.key(), record.value());
            if (event instanceof ChangeEvent.Appended appended) {
                checkPlacement(where, appended.event().streamId());
                metrics.appended();
                context.forward(record.withValue(new ParseResult.Parsed(StreamChange.appended(appended.event()))));
            } else if (event instanceof ChangeEvent.Deleted deleted) {
                metrics.ignored(IgnoredReason.DELETE);
                if (settings.erasure()) {
                    checkPlacement(where, deleted.streamId());
                    context.forward(record.withValue(new ParseResult.Parsed(StreamChange.erased(
                            deleted.streamId(), Instant.ofEpochMilli(record.timestamp()), deleted.position()))));
                }
            } else if (event instanceof ChangeEvent.Ignored ignored) {
                metrics.ignored(ignored.reason());
                if (settings.erasure() && ignored.reason() == IgnoredReason.TOMBSTONE && ignored.streamId().isPresent()) {
                    // Debezium follows a delete with a tombstone; alone, a tombstone still says rows were deleted
                    checkPlacement(where, ignored.streamId().get());
                    context.forward(record.withValue(new ParseResult.Parsed(StreamChange.erased(
                            ignored.streamId().get(), Instant.ofEpochMilli(record.timestamp()), StreamHead.NONE))));
                    return;
                }
                LOG.debug("ignored change event {}-{}@{} stream {}: {}", where.topic(), where.partition(),
                        where.offset(), ignored.streamId().orElse("?"), ignored.reason());
            }
        } catch (UnparseableChangeEventException e) {
            metrics.deadLettered();
            LOG.warn("{}", e.getMessage());
            context.forward(record.withValue(new ParseResult.DeadLetter(record.key(), record.value(), e.topic(),
                    e.partition(), e.offset(), e.reason())));
        }
    }
}
