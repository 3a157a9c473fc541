package dev.snapshotsidecar.track;

import dev.snapshotsidecar.request.DeadLetters;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

import java.nio.charset.StandardCharsets;

/** Turns a dead letter into a record with the original key and value and its coordinates and reason in headers. */
final class DeadLetterProcessor<K> implements Processor<K, ParseResult, byte[], byte[]> {
    private ProcessorContext<byte[], byte[]> context;

    @Override
    public void init(ProcessorContext<byte[], byte[]> context) {
        this.context = context;
    }

    @Override
    public void process(Record<K, ParseResult> record) {
        ParseResult.DeadLetter letter = (ParseResult.DeadLetter) record.value();
        context.forward(new Record<>(letter.key(), letter.value(), record.timestamp(), headers(letter)));
    }

    static Headers headers(ParseResult.DeadLetter letter) {
        Headers headers = new RecordHeaders();
        headers.add(DeadLetters.TOPIC_HEADER, bytes(letter.topic()));
        headers.add(DeadLetters.PARTITION_HEADER, bytes(Integer.toString(letter.partition())));
        headers.add(DeadLetters.OFFSET_HEADER, bytes(Long.toString(letter.offset())));
        headers.add(DeadLetters.REASON_HEADER, bytes(letter.reason()));
        return headers;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
