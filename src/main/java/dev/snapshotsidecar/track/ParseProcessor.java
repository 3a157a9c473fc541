package dev.snapshotsidecar.track;

import dev.snapshotsidecar.ingest.ChangeEvent;
import dev.snapshotsidecar.ingest.ChangeEventParser;
import dev.snapshotsidecar.ingest.UnparseableChangeEventException;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Parses each change event; forwards appended events and dead letters, counts and drops the rest. Runs on a stream
 * thread: pure CPU, no I/O.
 */
final class ParseProcessor implements Processor<byte[], byte[], byte[], ParseResult> {
    private static final Logger LOG = LoggerFactory.getLogger(ParseProcessor.class);

    private final ChangeEventParser parser;
    private final TrackerMetrics metrics;
    private ProcessorContext<byte[], ParseResult> context;

    ParseProcessor(ChangeEventParser parser, TrackerMetrics metrics) {
        this.parser = parser;
        this.metrics = metrics;
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
                context.forward(record.withValue(new ParseResult.Parsed(appended.event())));
            } else if (event instanceof ChangeEvent.Ignored ignored) {
                metrics.ignored(ignored.reason());
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
