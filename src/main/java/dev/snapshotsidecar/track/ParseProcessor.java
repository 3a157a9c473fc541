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
    private final boolean erasure;
    private ProcessorContext<byte[], ParseResult> context;

    ParseProcessor(ChangeEventParser parser, TrackerMetrics metrics, boolean erasure) {
        this.parser = parser;
        this.metrics = metrics;
        this.erasure = erasure;
    }

    @Override
    public void init(ProcessorContext<byte[], ParseResult> context) {
        this.context = context;
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        RecordMetadata where = context.recordMetadata().orElseThrow();
        try {
            ChangeEvent event = parser.parse(where.topic(), where.partition(), where.offset(), record.timestamp(),
                    record.key(), record.value());
            if (event instanceof ChangeEvent.Appended appended) {
                metrics.appended();
                context.forward(record.withValue(new ParseResult.Parsed(StreamChange.appended(appended.event()))));
            } else if (event instanceof ChangeEvent.Ignored ignored) {
                metrics.ignored(ignored.reason());
                boolean deletion = ignored.reason() == IgnoredReason.DELETE || ignored.reason() == IgnoredReason.TOMBSTONE;
                if (erasure && deletion && ignored.streamId().isPresent()) {
                    context.forward(record.withValue(new ParseResult.Parsed(StreamChange.erased(
                            ignored.streamId().get(), Instant.ofEpochMilli(record.timestamp())))));
                    return;
                }
                LOG.debug("ignored change event {}-{}@{} stream {}: {}", where.topic(), where.partition(),
                        where.offset(), ignored.streamId().orElse("?"), ignored.reason());
            }
        } catch (UnparseableChangeEventException e) {
            metrics.deadLettered();
            LOG.warn("{}", e.getMessage());
            context.forward(record.withValue(new ParseResult.DeadLetter(record.key(), record.value(), e)));
        }
    }
}
