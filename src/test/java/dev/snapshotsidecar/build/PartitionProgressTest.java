package dev.snapshotsidecar.build;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;

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
    @DisplayName("backoff doubles from the initial wait and stops at the cap")
    void backoff() {
        Backoff backoff = new Backoff(Duration.ofMillis(200), Duration.ofSeconds(30));
        assertThat(backoff.delay(1)).isEqualTo(Duration.ofMillis(200));
        assertThat(backoff.delay(2)).isEqualTo(Duration.ofMillis(400));
        assertThat(backoff.delay(5)).isEqualTo(Duration.ofMillis(3200));
        assertThat(backoff.delay(60)).isEqualTo(Duration.ofSeconds(30));
    }
}
