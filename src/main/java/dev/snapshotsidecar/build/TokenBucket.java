package dev.snapshotsidecar.build;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

/**
 * A token bucket holding one token, refilled {@code perSecond} times a second: permits are spread evenly, so no
 * window of one second ever holds more than {@code perSecond + 1} of them, even after an idle spell (no saved-up
 * burst to flood the database with). A permit taken late (a woken thread is never exactly on time) is counted from
 * when it was due, up to half an interval late, so wake-up latency does not slow the rate below {@code perSecond}:
 * dating each permit from when it was taken drained a storm at 0.86 of the limit (BENCHMARKS.md, day one). Integer
 * nanosecond arithmetic, so the rate is exact. Thread-safe;
 * {@link #acquire()} parks the calling build thread (never a stream thread) until its permit is due.
 */
public final class TokenBucket {
    private final long intervalNanos;
    /** How late a permit may be taken and still be dated from when it was due. */
    private final long toleranceNanos;
    private final Clock clock;
    private long nextFreeNanos;

    /** Time in nanoseconds, injectable for tests. */
    public interface Clock {
        long nanoTime();

        Clock SYSTEM = System::nanoTime;
    }

    public TokenBucket(int perSecond, Clock clock) {
        this.intervalNanos = 1_000_000_000L / perSecond;
        this.toleranceNanos = intervalNanos / 2;
        this.clock = clock;
        this.nextFreeNanos = clock.nanoTime();
    }

    /**
     * Takes a permit if one is there.
     *
     * @return zero when taken, else how long until one will be
     */
    public synchronized Duration tryAcquire() {
        long now = clock.nanoTime();
        if (now - nextFreeNanos >= 0) {
            // half an interval of lateness is forgiven: after an idle spell the next permit is due half an
            // interval early at most, so a one-second window still holds at most perSecond + 1
            nextFreeNanos = Math.max(nextFreeNanos, now - toleranceNanos) + intervalNanos;
            return Duration.ZERO;
        }
        return Duration.ofNanos(nextFreeNanos - now);
    }

    /** Waits for a permit. @return how long it waited */
    public Duration acquire() throws InterruptedException {
        long started = System.nanoTime();
        for (Duration wait = tryAcquire(); !wait.isZero(); wait = tryAcquire()) {
            LockSupport.parkNanos(wait.toNanos());
            if (Thread.interrupted()) {
                throw new InterruptedException("interrupted while waiting for the builds-per-second limit");
            }
        }
        return Duration.ofNanos(System.nanoTime() - started);
    }
}
