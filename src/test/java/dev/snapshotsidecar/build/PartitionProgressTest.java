package dev.snapshotsidecar.build;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class PartitionProgressTest {
    @Test
    @DisplayName("offsets are committable only up to the lowest build still in flight")
    void lowestInFlight() {
        PartitionProgress p = new PartitionProgress();
        p.started(10);
        p.started(11);
        p.started(12);
        assertThat(p.committable()).hasValue(10);
        p.committed(10);
        p.finished(12);
        assertThat(p.committable()).isEmpty();
        p.finished(10);
        assertThat(p.committable()).hasValue(11);
        p.committed(11);
        p.finished(11);
        assertThat(p.committable()).hasValue(13);
        p.committed(13);
        assertThat(p.committable()).isEmpty();
        assertThat(p.inFlight()).isZero();
    }

    @Test
    @DisplayName("a commit counts once confirmed; one under way is not sent twice, a failed one is sent again")
    void commitBookkeeping() {
        PartitionProgress p = new PartitionProgress();
        p.started(10);
        p.finished(10);
        assertThat(p.committable()).hasValue(11);
        p.committing(11);
        assertThat(p.committable()).as("under way: not sent again").isEmpty();
        assertThat(p.committedPosition()).as("not counted before the broker confirms it").isEqualTo(-1);
        p.commitFailed();
        assertThat(p.committable()).as("failed: sent again").hasValue(11);
        p.committing(11);
        p.committed(11);
        assertThat(p.committedPosition()).isEqualTo(11);
        p.commitFailed(); // a late failure of an older commit forgets nothing confirmed
        assertThat(p.committable()).isEmpty();
    }

    @Test
    @DisplayName("with nothing in flight the consumer's position is committable: past a transaction's marker")
    void pastTransactionMarkers() {
        PartitionProgress p = new PartitionProgress();
        p.started(7); // a request written in a transaction: its commit marker is offset 8
        p.finished(7);
        p.reached(9); // the consumer stepped over the marker it never hands out
        assertThat(p.committable()).hasValue(9);
        p.started(9);
        p.reached(10);
        assertThat(p.committable()).as("a request in flight holds the commit").hasValue(9);
    }

    @Test
    @DisplayName("the size guard counts UTF-8 bytes without encoding: ASCII, accents, CJK, emoji, lone surrogates")
    void utf8Length() {
        for (String text : List.of("", "plain", "Zoë", "患者記録", "🩺 vitals", "a\uD800b", "\uDC00")) {
            assertThat(Utf8.length(text)).as(text).isEqualTo(text.getBytes(StandardCharsets.UTF_8).length);
        }
    }

    @Test
    @DisplayName("backoff doubles from the initial wait and stops at the cap")
    void backoff() {
        Backoff backoff = new Backoff(Duration.ofMillis(200), Duration.ofSeconds(30));
        assertThat(backoff.delay(1)).isEqualTo(Duration.ofMillis(200));
        assertThat(backoff.delay(2)).isEqualTo(Duration.ofMillis(400));
        assertThat(backoff.delay(5)).isEqualTo(Duration.ofMillis(3200));
        assertThat(backoff.delay(60)).isEqualTo(Duration.ofSeconds(30));
    }
}
