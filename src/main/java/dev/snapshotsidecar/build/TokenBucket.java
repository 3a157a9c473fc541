package dev.snapshotsidecar.build;

import java.time.Duration;

/**
 * A token bucket: at most {@code perSecond} permits a second on average, bursts of at most {@code perSecond}.
 * Thread-safe; {@link #acquire()} blocks the calling build thread (never a stream thread) until a permit is there.
 */
public final class TokenBucket {
    private final double perSecond;
    private final double capacity;
    private final Clock clock;
    private double tokens;
    private long lastNanos;

    /** Time in nanoseconds, injectable for tests. */
    public interface Clock {
        long nanoTime();

        Clock SYSTEM = System::nanoTime;
    }

    public TokenBucket(int perSecond, Clock clock) {
        this.perSecond = perSecond;
        this.capacity = perSecond;
        this.clock = clock;
        this.tokens = 1; // no burst at start-up: day one must not begin with a stampede
        this.lastNanos = clock.nanoTime();
    }

    /**
     * Takes a permit if one is there.
     *
     * @return zero when taken, else how long until one will be
     */
    public synchronized Duration tryAcquire() {
        long now = clock.nanoTime();
        tokens = Math.min(capacity, tokens + (now - lastNanos) * perSecond / 1e9);
        lastNanos = now;
        if (tokens >= 1) {
            tokens -= 1;
            return Duration.ZERO;
        }
        return Duration.ofNanos((long) Math.ceil((1 - tokens) / perSecond * 1e9));
    }

    /** Waits for a permit. @return how long it waited */
    public Duration acquire() throws InterruptedException {
        long started = System.nanoTime();
        for (Duration wait = tryAcquire(); !wait.isZero(); wait = tryAcquire()) {
            Thread.sleep(Math.max(1, wait.toMillis()));
        }
        return Duration.ofNanos(System.nanoTime() - started);
    }
}
