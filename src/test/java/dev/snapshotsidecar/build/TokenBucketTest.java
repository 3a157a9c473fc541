package dev.snapshotsidecar.build;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class TokenBucketTest {
    long now;

    @Test
    @DisplayName("starts with one permit, refills at the rate, and saves up no burst while idle")
    void rate() {
        TokenBucket bucket = new TokenBucket(100, () -> now);
        assertThat(bucket.tryAcquire()).isZero();
        assertThat(bucket.tryAcquire()).isEqualTo(Duration.ofMillis(10));
        now += 10_000_000; // 10 ms: one permit
        assertThat(bucket.tryAcquire()).isZero();
        now += 60_000_000_000L; // a minute idle: still one permit, not a stampede
        int taken = 0;
        while (bucket.tryAcquire().isZero()) {
            taken++;
        }
        assertThat(taken).isEqualTo(1);
        int granted = 0;
        for (int step = 0; step < 1000; step++) { // one simulated second in 1 ms steps
            now += 1_000_000;
            while (bucket.tryAcquire().isZero()) {
                granted++;
            }
        }
        assertThat(granted).isEqualTo(100);
    }
}
