package dev.snapshotsidecar.track;

import dev.snapshotsidecar.request.JsonSerde;
import dev.snapshotsidecar.ingest.AppendedEvent;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CompactSerdeTest {
    private static final Instant AT = Instant.parse("2026-11-28T09:00:00.123456Z");

    @Test
    void headsRoundTripEveryFieldIncludingNegativesAndExtremes() {
        StreamHead head = new StreamHead("prescription-å", 1_796_030_000_000L, 4_000, StreamHead.NONE,
                1_796_030_130_200L, 1_796_030_130_100L, 9_000_000_001L,
                new StreamHead.Pending(true, 3_999, 1_796_030_130_300L), new StreamHead.Retry(7, Long.MAX_VALUE,
                Long.MIN_VALUE), new StreamHead.Erasure(StreamHead.ErasureState.PENDING, 42, 9_000_000_000L, 3_998,
                1_796_030_130_400L));
        byte[] bytes = CompactSerde.HEADS.serialize("t", head);

        assertThat(CompactSerde.HEADS.deserialize("t", bytes)).isEqualTo(head);
        assertThat(bytes.length).isLessThan(new JsonSerde<>(StreamHead.class).serialize("t", head).length / 3);
        for (StreamHead.ErasureState state : StreamHead.ErasureState.values()) {
            StreamHead other = head.withErasure(new StreamHead.Erasure(state, 1, 2, 3, 4));
            assertThat(CompactSerde.HEADS.deserialize("t", CompactSerde.HEADS.serialize("t", other))).isEqualTo(other);
        }
    }

    @Test
    @org.junit.jupiter.api.DisplayName("a head with a marked event is format 3 and round-trips; one without stays format 2")
    void markedHeadsAreFormatThreeOthersFormatTwo() {
        StreamHead plain = StreamHead.first("patient", 12, 1_796_030_130_200L);
        byte[] two = CompactSerde.HEADS.serialize("t", plain);
        assertThat(two[0]).as("what an earlier version reads").isEqualTo(CompactSerde.FORMAT);
        StreamHead marked = plain.withMark(12);
        byte[] three = CompactSerde.HEADS.serialize("t", marked);
        assertThat(three[0]).isEqualTo(CompactSerde.FORMAT_3);
        assertThat(CompactSerde.HEADS.deserialize("t", three)).isEqualTo(marked);
        assertThat(CompactSerde.HEADS.deserialize("t", two).markedVersion()).isEqualTo(StreamHead.NONE);
        assertThat(Arrays.copyOfRange(three, 1, two.length)).as("format 2 with the mark after it")
                .isEqualTo(Arrays.copyOfRange(two, 1, two.length));
    }

    @Test
    void readsHeadsOfFormatOneAndTheirUnconfirmedErasureMarkers() {
        CompactSerde.Out live = new CompactSerde.Out();
        live.buffer.write(CompactSerde.FORMAT_1);
        live.string("patient");
        for (long field : new long[]{12, 9, 12, 1_796_030_130_200L, 1_796_030_130_100L, 0, 2, 0, -1, 0}) {
            live.number(field);
        }
        StreamHead head = CompactSerde.HEADS.deserialize("t", live.buffer.toByteArray());
        assertThat(head.aggregateType()).isEqualTo("patient");
        assertThat(head.headVersion()).isEqualTo(12);
        assertThat(head.snapshotVersion()).isEqualTo(9);
        assertThat(head.pending()).isTrue();
        assertThat(head.pendingVersion()).isEqualTo(12);
        assertThat(head.consecutiveFailures()).isEqualTo(2);
        assertThat(head.incarnation()).isZero();
        assertThat(head.erasure()).isEqualTo(StreamHead.Erasure.NONE);

        String json = "{\"aggregateType\":\"patient\",\"headVersion\":-1,\"snapshotVersion\":-1,"
                + "\"pendingVersion\":-1,\"pendingSinceMillis\":0,\"lastEventMillis\":0,\"lastSnapshotMillis\":0,"
                + "\"consecutiveFailures\":0,\"nextRetryMillis\":0,\"retryAfterVersion\":-1,"
                + "\"erasedMillis\":1796030130200}";
        StreamHead marker = CompactSerde.HEADS.deserialize("t", json.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(marker.erasing()).as("an earlier version's marker was left unconfirmed: the erasure is owed")
                .isTrue();
    }

    @Test
    void changesRoundTripAppendedAndErased() {
        StreamChange appended = StreamChange.appended(AppendedEvent.of("patient-42", 17, "patient",
                "VitalSignsRecorded", "lsn:24000017", AT));
        StreamChange erased = StreamChange.erased("patient-42", Instant.ofEpochMilli(1_796_030_130_200L), 77);

        assertThat(CompactSerde.CHANGES.deserialize("t", CompactSerde.CHANGES.serialize("t", appended)))
                .isEqualTo(appended);
        assertThat(CompactSerde.CHANGES.deserialize("t", CompactSerde.CHANGES.serialize("t", erased)))
                .isEqualTo(erased);
    }

    @Test
    void readsTheJsonWrittenByEarlierVersions() {
        StreamChange change = StreamChange.appended(AppendedEvent.of("patient-1", 3, "patient", "", "lsn:9", AT));

        assertThat(CompactSerde.CHANGES.deserialize("t", new JsonSerde<>(StreamChange.class).serialize("t", change)))
                .isEqualTo(change);
    }

    @Test
    void nullStaysNullForTombstonesAndDeletes() {
        assertThat(CompactSerde.HEADS.serialize("t", null)).isNull();
        assertThat(CompactSerde.HEADS.deserialize("t", null)).isNull();
    }

    @Test
    void rejectsUnknownFormatsTruncatedAndTrailingBytesNamingTheTopic() {
        byte[] bytes = CompactSerde.HEADS.serialize("t", StreamHead.first("patient", 12, 1L));

        assertThatThrownBy(() -> CompactSerde.HEADS.deserialize("heads-changelog", new byte[]{9, 1, 2}))
                .isInstanceOf(SerializationException.class).hasMessageContaining("unknown format 9")
                .hasMessageContaining("heads-changelog");
        assertThatThrownBy(() -> CompactSerde.HEADS.deserialize("t", new byte[0]))
                .isInstanceOf(SerializationException.class).hasMessageContaining("unknown format");
        assertThatThrownBy(() -> CompactSerde.HEADS.deserialize("t", Arrays.copyOf(bytes, bytes.length - 1)))
                .isInstanceOf(SerializationException.class).hasMessageContaining("truncated");
        assertThatThrownBy(() -> CompactSerde.HEADS.deserialize("t", Arrays.copyOf(bytes, bytes.length + 2)))
                .isInstanceOf(SerializationException.class).hasMessageContaining("2 bytes left over");
    }
}
