package dev.snapshotsidecar.track;

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
        StreamHead head = new StreamHead("prescription-å", 4_000, StreamHead.NONE, 3_999, 1_796_030_130_200L,
                1_796_030_130_100L, 0, 7, Long.MAX_VALUE, Long.MIN_VALUE, 0);
        byte[] bytes = CompactSerde.HEADS.serialize("t", head);

        assertThat(CompactSerde.HEADS.deserialize("t", bytes)).isEqualTo(head);
        assertThat(bytes.length).isLessThan(new JsonSerde<>(StreamHead.class).serialize("t", head).length / 3);
    }

    @Test
    void changesRoundTripAppendedAndErased() {
        StreamChange appended = StreamChange.appended(AppendedEvent.of("patient-42", 17, "patient",
                "VitalSignsRecorded", "lsn:24000017", AT));
        StreamChange erased = StreamChange.erased("patient-42", Instant.ofEpochMilli(1_796_030_130_200L));

        assertThat(CompactSerde.CHANGES.deserialize("t", CompactSerde.CHANGES.serialize("t", appended)))
                .isEqualTo(appended);
        assertThat(CompactSerde.CHANGES.deserialize("t", CompactSerde.CHANGES.serialize("t", erased)))
                .isEqualTo(erased);
    }

    @Test
    void readsTheJsonWrittenByEarlierVersions() {
        StreamHead head = StreamHead.first("patient", 12, 1_796_030_130_100L).withPending(12, 1_796_030_130_200L);
        StreamChange change = StreamChange.appended(AppendedEvent.of("patient-1", 3, "patient", "", "lsn:9", AT));

        assertThat(CompactSerde.HEADS.deserialize("t", new JsonSerde<>(StreamHead.class).serialize("t", head)))
                .isEqualTo(head);
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
