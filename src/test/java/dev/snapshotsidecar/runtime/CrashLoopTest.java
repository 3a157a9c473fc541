package dev.snapshotsidecar.runtime;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class CrashLoopTest {
    static final long MINUTE = Duration.ofMinutes(1).toNanos();

    @Test
    @DisplayName("the limit of failures within the window is a crash loop; failures older than the window no longer count")
    void window() {
        CrashLoop loop = new CrashLoop(5, Duration.ofMinutes(10));
        long start = 1_000 * MINUTE;
        for (int i = 0; i < 4; i++) {
            loop.failed(start + i * MINUTE);
        }
        assertThat(loop.looping(start + 4 * MINUTE)).as("four failures").isFalse();
        loop.failed(start + 5 * MINUTE);
        assertThat(loop.looping(start + 5 * MINUTE)).as("the fifth within ten minutes").isTrue();
        assertThat(loop.recent(start + 5 * MINUTE)).isEqualTo(5);
        assertThat(loop.looping(start + 10 * MINUTE + 1)).as("the first has aged out").isFalse();
        assertThat(loop.recent(start + 16 * MINUTE)).isZero();
    }

    @Test
    @DisplayName("nanoTime readings may be negative and wrap: only differences count")
    void negativeReadings() {
        CrashLoop loop = new CrashLoop(2, Duration.ofMinutes(10));
        loop.failed(Long.MAX_VALUE - MINUTE);
        loop.failed(Long.MAX_VALUE);
        assertThat(loop.looping(Long.MAX_VALUE + MINUTE)).isTrue();
        assertThat(loop.looping(Long.MAX_VALUE + 11 * MINUTE)).isFalse();
    }
}
