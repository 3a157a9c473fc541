package dev.snapshotsidecar.build;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

/**
 * A token bucket holding one token, refilled {@code perSecond} times a second: permits are spread evenly, so no
 * window of one second ever holds more than {@code perSecond + 1} of them, even after an idle spell (no saved-up
 * burst to flood the database with). Integer nanosecond arithmetic, so the rate is exact. Thread-safe;
 * {@link #acquire()} parks the calling build thread (never a stream thread) until its permit is due.
 */
public final class TokenBucket {
    private final long intervalNanos;
    private final Clock clock;
    private long nextFreeNanos;

    /** Time in nanoseconds, injectable for tests. */
    public interface Clock {
        long nanoTime();

        Clock SYSTEM = System::nanoTime;
    }

    public TokenBucket(int perSecond, Clock clock) {
        this.intervalNanos = 1_000_000_000L / perSecond;
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
            nextFreeNanos = now + intervalNanos;
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
