package dev.snapshotsidecar.track;

import dev.snapshotsidecar.ingest.AppendedEvent;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * Binary serde of the two records written and read once per change event: {@link StreamChange} (the repartition
 * topic) and {@link StreamHead} (the {@code stream-heads} store and its changelog). JSON cost the tracker a third of
 * its stream thread (profile in BENCHMARKS.md); this format is a format byte, then zig-zag varints and
 * length-prefixed UTF-8 strings in the records' field order. Values that start with {@code '{'} are read as the JSON
 * written before, so state and topics of an earlier version stay readable. Thread-safe.
 */
abstract sealed class CompactSerde<T> implements Serde<T>, Serializer<T>, Deserializer<T> {
    static final byte FORMAT = 1;
    private static final byte JSON_START = '{';

    static final CompactSerde<StreamHead> HEADS = new Heads();
    static final CompactSerde<StreamChange> CHANGES = new Changes();

    private final JsonSerde<T> legacy;

    private CompactSerde(Class<T> type) {
        this.legacy = new JsonSerde<>(type);
    }

    abstract void write(Out out, T value);

    abstract T read(In in);

    @Override
    public final byte[] serialize(String topic, T data) {
        if (data == null) {
            return null;
        }
        Out out = new Out();
        out.buffer.write(FORMAT);
        write(out, data);
        return out.buffer.toByteArray();
    }

    @Override
    public final T deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        if (data.length > 0 && data[0] == JSON_START) {
            return legacy.deserialize(topic, data);
        }
        if (data.length == 0 || data[0] != FORMAT) {
            throw new SerializationException("unknown format " + (data.length == 0 ? "(empty)" : data[0])
                    + " of a record read from " + topic);
        }
        In in = new In(data);
        try {
            T value = read(in);
            if (in.position != data.length) {
                throw new SerializationException((data.length - in.position) + " bytes left over reading " + topic);
            }
            return value;
        } catch (ArrayIndexOutOfBoundsException e) {
            throw new SerializationException("truncated record read from " + topic, e);
        }
    }

    @Override
    public final Serializer<T> serializer() {
        return this;
    }

    @Override
    public final Deserializer<T> deserializer() {
        return this;
    }

    @Override
    public final void configure(java.util.Map<String, ?> configs, boolean isKey) {
        // nothing to configure
    }

    @Override
    public final void close() {
        // nothing to release
    }

    private static final class Heads extends CompactSerde<StreamHead> {
        Heads() {
            super(StreamHead.class);
        }

        @Override
        void write(Out out, StreamHead h) {
            out.string(h.aggregateType());
            out.number(h.headVersion());
            out.number(h.snapshotVersion());
            out.number(h.pendingVersion());
            out.number(h.pendingSinceMillis());
            out.number(h.lastEventMillis());
            out.number(h.lastSnapshotMillis());
            out.number(h.consecutiveFailures());
            out.number(h.nextRetryMillis());
            out.number(h.retryAfterVersion());
            out.number(h.erasedMillis());
        }

        @Override
        StreamHead read(In in) {
            return new StreamHead(in.string(), in.number(), in.number(), in.number(), in.number(), in.number(),
                    in.number(), Math.toIntExact(in.number()), in.number(), in.number(), in.number());
        }
    }

    private static final class Changes extends CompactSerde<StreamChange> {
        Changes() {
            super(StreamChange.class);
        }

        @Override
        void write(Out out, StreamChange c) {
            out.string(c.streamId());
            out.instant(c.at());
            if (c.erased()) {
                out.number(0);
                return;
            }
            AppendedEvent e = c.appended();
            out.number(1);
            out.number(e.version());
            out.string(e.aggregateType());
            out.string(e.eventType());
            out.string(e.position());
            out.instant(e.committedAt());
        }

        @Override
        StreamChange read(In in) {
            String streamId = in.string();
            Instant at = in.instant();
            if (in.number() == 0) {
                return StreamChange.erased(streamId, at);
            }
            return StreamChange.appended(AppendedEvent.of(streamId, in.number(), in.string(), in.string(),
                    in.string(), in.instant()));
        }
    }

    /** Zig-zag varints and length-prefixed UTF-8. */
    static final class Out {
        final ByteArrayOutputStream buffer = new ByteArrayOutputStream(64);

        void number(long value) {
            long v = (value << 1) ^ (value >> 63);
            while ((v & ~0x7FL) != 0) {
                buffer.write((int) ((v & 0x7F) | 0x80));
                v >>>= 7;
            }
            buffer.write((int) v);
        }

        void string(String value) {
            byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
            number(bytes.length);
            buffer.write(bytes, 0, bytes.length);
        }

        void instant(Instant value) {
            number(value.getEpochSecond());
            number(value.getNano());
        }
    }

    static final class In {
        private final byte[] data;
        private int position = 1;

        In(byte[] data) {
            this.data = data;
        }

        long number() {
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                byte b = data[position++];
                v |= (long) (b & 0x7F) << shift;
                if (b >= 0) {
                    return (v >>> 1) ^ -(v & 1);
                }
            }
            throw new SerializationException("varint longer than 10 bytes");
        }

        String string() {
            int length = Math.toIntExact(number());
            if (length < 0 || length > data.length - position) {
                throw new ArrayIndexOutOfBoundsException("string of " + length + " bytes");
            }
            String value = new String(data, position, length, StandardCharsets.UTF_8);
            position += length;
            return value;
        }

        Instant instant() {
            return Instant.ofEpochSecond(number(), number());
        }
    }
}
