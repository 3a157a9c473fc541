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

    @Test
    @DisplayName("a permit taken late is dated from when it was due, so wake-up latency keeps the rate")
    void latenessForgiven() {
        TokenBucket bucket = new TokenBucket(100, () -> now);
        assertThat(bucket.tryAcquire()).isZero();
        now += 13_000_000; // due at 10 ms, taken at 13 ms
        assertThat(bucket.tryAcquire()).isZero();
        assertThat(bucket.tryAcquire()).as("the next is due at 20 ms, not 23").isEqualTo(Duration.ofMillis(7));
        int granted = 0;
        java.util.Random late = new java.util.Random(7);
        long end = now + 1_000_000_000L;
        while (now < end) { // every permit taken 0-4 ms after it is due, as a loaded machine wakes threads
            Duration wait = bucket.tryAcquire();
            if (wait.isZero()) {
                granted++;
            } else {
                now += wait.toNanos() + late.nextInt(4_000_000);
            }
        }
        assertThat(granted).as("one second of late wake-ups still gets the rate").isBetween(99, 101);
    }

    @Test
    @DisplayName("whatever the lateness, no window of one second holds more than the rate plus one")
    void noWindowAboveTheRate() {
        java.util.Random random = new java.util.Random(11);
        for (int rate : new int[]{1, 7, 100, 500}) {
            TokenBucket bucket = new TokenBucket(rate, () -> now);
            java.util.List<Long> taken = new java.util.ArrayList<>();
            for (int step = 0; step < 20_000; step++) {
                // idle spells, bursts of callers and late wake-ups, in random steps
                now += random.nextInt(4) == 0 ? random.nextInt(2_000_000_000) : random.nextInt(3_000_000);
                while (bucket.tryAcquire().isZero()) {
                    taken.add(now);
                }
            }
            for (int i = 0; i + rate + 1 < taken.size(); i++) {
                assertThat(taken.get(i + rate + 1) - taken.get(i)).as("rate %d: permits %d..%d", rate, i, i + rate + 1)
                        .isGreaterThan(1_000_000_000L);
            }
        }
    }
}
