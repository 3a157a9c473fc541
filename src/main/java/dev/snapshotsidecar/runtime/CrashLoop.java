package dev.snapshotsidecar.runtime;

import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * Counts the failures of a thread that is replaced after each one: {@code limit} of them within {@code window} is a
 * component that cannot go on, and the process should not be reported live. Thread-safe; times are
 * {@link System#nanoTime()} readings.
 */
final class CrashLoop {
    private final int limit;
    private final Duration window;
    private final ConcurrentLinkedDeque<Long> failures = new ConcurrentLinkedDeque<>();

    CrashLoop(int limit, Duration window) {
        this.limit = limit;
        this.window = window;
    }

    void failed(long nanoTime) {
        failures.add(nanoTime);
    }

    /** Whether {@code limit} failures fell within the window that ends at {@code nanoTime}. */
    boolean looping(long nanoTime) {
        long since = nanoTime - window.toNanos();
        failures.removeIf(at -> at - since < 0);
        return failures.size() >= limit;
    }

    /** The failures counted now, within the window ending at {@code nanoTime}. */
    int recent(long nanoTime) {
        looping(nanoTime);
        return failures.size();
    }
}
