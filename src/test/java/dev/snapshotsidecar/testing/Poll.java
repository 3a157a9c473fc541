package dev.snapshotsidecar.testing;

import java.time.Duration;
import java.util.function.Supplier;

/** Waits for a condition by polling it until a deadline: tests never sleep for a fixed time to wait. */
public final class Poll {
    private Poll() {
    }

    /**
     * @param what described in the failure when the deadline passes
     * @param last what was seen last, for the failure message
     */
    public static void until(String what, Duration deadline, Supplier<Boolean> condition, Supplier<String> last) {
        long end = System.nanoTime() + deadline.toNanos();
        while (System.nanoTime() < end) {
            if (condition.get()) {
                return;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what, e);
            }
        }
        if (condition.get()) {
            return;
        }
        throw new AssertionError("not true after " + deadline + ": " + what + " (last seen: " + last.get() + ")");
    }
}
