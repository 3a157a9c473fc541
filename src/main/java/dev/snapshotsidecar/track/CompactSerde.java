package dev.snapshotsidecar.track;

import dev.snapshotsidecar.request.JsonSerde;
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
 * length-prefixed UTF-8 strings in the records' field order. Format 2 is written; format 1 and values that start with
 * {@code '{'} (the JSON written before) are read, so state and topics of an earlier version stay readable. A head
 * that carries a marked event (snapshot-after-events) is written as format 3, format 2 with the marked version after
 * it: a deployment that marks no event type writes nothing an earlier version cannot read. Thread-safe.
 */
abstract sealed class CompactSerde<T> implements Serde<T>, Serializer<T>, Deserializer<T> {
    static final byte FORMAT = 2;
    static final byte FORMAT_1 = 1;
    /** Format 2 and one more field; only heads with a marked event are written so. */
    static final byte FORMAT_3 = 3;
    private static final byte JSON_START = '{';

    static final CompactSerde<StreamHead> HEADS = new Heads();
    static final CompactSerde<StreamChange> CHANGES = new Changes();

    abstract void write(Out out, T value);

    /** The format {@code value} is written in. */
    byte format(T value) {
        return FORMAT;
    }

    /** Reads a record of {@code format} (1, 2 or 3). */
    abstract T read(In in, byte format);

    /** Writes what format 3 adds to format 2. */
    void writeFormat3(Out out, T value) {
        throw new IllegalStateException(getClass().getSimpleName() + " writes no format 3");
    }

    /** Reads the JSON an earlier version wrote. */
    abstract T readJson(String topic, byte[] data);

    @Override
    public final byte[] serialize(String topic, T data) {
        if (data == null) {
            return null;
        }
        Out out = new Out();
        byte format = format(data);
        out.buffer.write(format);
        write(out, data);
        if (format == FORMAT_3) {
            writeFormat3(out, data);
        }
        return out.buffer.toByteArray();
    }

    @Override
    public final T deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        if (data.length > 0 && data[0] == JSON_START) {
            return readJson(topic, data);
        }
        if (data.length == 0 || (data[0] != FORMAT && data[0] != FORMAT_1 && data[0] != FORMAT_3)) {
            throw new SerializationException("unknown format " + (data.length == 0 ? "(empty)" : data[0])
                    + " of a record read from " + topic);
        }
        In in = new In(data);
        try {
            T value = read(in, data[0]);
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
        private static final JsonSerde<LegacyHead> LEGACY = new JsonSerde<>(LegacyHead.class);

        @Override
        byte format(StreamHead h) {
            return h.markedVersion() == StreamHead.NONE ? FORMAT : FORMAT_3;
        }

        @Override
        void writeFormat3(Out out, StreamHead h) {
            out.number(h.markedVersion());
        }

        @Override
        void write(Out out, StreamHead h) {
            out.string(h.aggregateType());
            out.number(h.headVersion());
            out.number(h.snapshotVersion());
            out.number(h.lastEventMillis());
            out.number(h.lastSnapshotMillis());
            out.number(h.incarnation());
            out.number(h.maxPosition());
            out.number(h.pendingRequest().inFlight() ? 1 : 0);
            out.number(h.pendingRequest().version());
            out.number(h.pendingRequest().sinceMillis());
            out.number(h.retry().failures());
            out.number(h.retry().nextMillis());
            out.number(h.retry().afterVersion());
            StreamHead.Erasure e = h.erasure();
            out.number(e.state().ordinal());
            out.number(e.incarnation());
            out.number(e.position());
            out.number(e.headVersion());
            out.number(e.sinceMillis());
        }

        @Override
        StreamHead read(In in, byte format) {
            if (format == FORMAT_1) {
                return new LegacyHead(in.string(), in.number(), in.number(), in.number(), in.number(), in.number(),
                        in.number(), Math.toIntExact(in.number()), in.number(), in.number(), in.number()).toHead();
            }
            String type = in.string();
            long head = in.number();
            long snapshot = in.number();
            long lastEvent = in.number();
            long lastSnapshot = in.number();
            long incarnation = in.number();
            long maxPosition = in.number();
            StreamHead.Pending pending = new StreamHead.Pending(in.number() == 1, in.number(), in.number());
            StreamHead.Retry retry = new StreamHead.Retry(Math.toIntExact(in.number()), in.number(), in.number());
            int state = Math.toIntExact(in.number());
            if (state < 0 || state >= StreamHead.ErasureState.values().length) {
                throw new SerializationException("unknown erasure state " + state);
            }
            StreamHead.Erasure erasure = new StreamHead.Erasure(StreamHead.ErasureState.values()[state], in.number(),
                    in.number(), in.number(), in.number());
            long marked = format == FORMAT_3 ? in.number() : StreamHead.NONE;
            return new StreamHead(type, incarnation, head, snapshot, lastEvent, lastSnapshot, maxPosition, pending,
                    retry, erasure, marked);
        }

        @Override
        StreamHead readJson(String topic, byte[] data) {
            return LEGACY.deserialize(topic, data).toHead();
        }
    }

    /**
     * A head as versions before incarnations wrote it (JSON, then format 1). Its erased marker was left when the
     * ERASE was sent, unconfirmed: it becomes an erasure still owed, so the ERASE is asked for again.
     */
    record LegacyHead(String aggregateType, long headVersion, long snapshotVersion, long pendingVersion,
                      long pendingSinceMillis, long lastEventMillis, long lastSnapshotMillis,
                      int consecutiveFailures, long nextRetryMillis, long retryAfterVersion, long erasedMillis) {
        StreamHead toHead() {
            String type = aggregateType == null ? "" : aggregateType;
            if (erasedMillis != 0) {
                return new StreamHead(type, 0, StreamHead.NONE, StreamHead.NONE, 0, 0, StreamHead.NONE,
                        StreamHead.Pending.NONE, StreamHead.Retry.NONE, new StreamHead.Erasure(
                        StreamHead.ErasureState.PENDING, 0, StreamHead.NONE, StreamHead.NONE, erasedMillis));
            }
            StreamHead.Pending pending = pendingVersion == StreamHead.NONE ? StreamHead.Pending.NONE
                    : new StreamHead.Pending(true, pendingVersion, pendingSinceMillis);
            return new StreamHead(type, 0, headVersion, snapshotVersion, lastEventMillis, lastSnapshotMillis,
                    StreamHead.NONE, pending, new StreamHead.Retry(consecutiveFailures, nextRetryMillis,
                    retryAfterVersion), StreamHead.Erasure.NONE);
        }
    }

    private static final class Changes extends CompactSerde<StreamChange> {
        private static final JsonSerde<StreamChange> LEGACY = new JsonSerde<>(StreamChange.class);

        @Override
        void write(Out out, StreamChange c) {
            out.string(c.streamId());
            out.instant(c.at());
            if (c.erased()) {
                out.number(0);
                out.number(c.position());
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
        StreamChange read(In in, byte format) {
            if (format == FORMAT_3) {
                throw new SerializationException("a change event record of format 3, which only heads have");
            }
            String streamId = in.string();
            Instant at = in.instant();
            if (in.number() == 0) {
                return StreamChange.erased(streamId, at, format == FORMAT_1 ? StreamHead.NONE : in.number());
            }
            return StreamChange.appended(AppendedEvent.of(streamId, in.number(), in.string(), in.string(),
                    in.string(), in.instant()));
        }

        @Override
        StreamChange readJson(String topic, byte[] data) {
            return LEGACY.deserialize(topic, data);
        }
    }

    /** Zig-zag varints and length-prefixed UTF-8. */
    static final class Out {
        final ByteArrayOutputStream buffer = new ByteArrayOutputStream(160); // room for a head: growing it showed in the profile

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
