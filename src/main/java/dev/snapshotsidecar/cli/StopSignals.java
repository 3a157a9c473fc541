package dev.snapshotsidecar.cli;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntConsumer;
import java.util.function.Supplier;

/**
 * Turns SIGTERM and SIGINT into a requested stop of {@code run} that ends with exit code 0 when it completes within
 * its grace period, and with exit code 1 and a log line saying so when it does not.
 *
 * <p>Why not a shutdown hook: after SIGTERM the JVM runs its hooks and exits with 128 + 15 = 143 however cleanly they
 * stopped, so a supervisor reads every stop as a failure. Here a signal only releases {@link #awaitRequest()}; the
 * command's main thread stops the sidecar and returns. The first signal also starts a watchdog: when the stop has
 * not completed within the grace period, it logs that and halts the JVM ({@link Runtime#halt}, since a hung stop may
 * hold what an orderly exit would wait for). A stop requested while the sidecar is still starting interrupts the
 * start (waiting for Kafka or the database), whose own failure path closes what it opened.
 *
 * <p>{@code sun.misc.Signal} is in module {@code jdk.unsupported}, which JEP 260 keeps open for exactly this use;
 * javac warns about it, and the warning cannot be suppressed.
 *
 * <p>Lifecycle: {@link #install} once per process, before the sidecar starts. Thread-safe: signals arrive on the
 * JVM's signal dispatcher thread, the command runs on its main thread.
 */
final class StopSignals {
    /** Exit code of a stop that did not complete within its grace period. */
    static final int GRACE_PERIOD_EXCEEDED = 1;

    private static final Logger LOG = LoggerFactory.getLogger(StopSignals.class);

    /** The first stop requested: by which signal, and when ({@link System#nanoTime()}). */
    private record Request(String signal, long at) {
    }

    private final Duration gracePeriod;
    private final IntConsumer halt;
    private final AtomicReference<Request> request = new AtomicReference<>();
    private final CountDownLatch requested = new CountDownLatch(1);
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Object startLock = new Object();
    private Thread starting; // guarded by startLock

    /**
     * @param gracePeriod how long a requested stop may take
     * @param halt        ends the process with the given code when it does not stop in time
     */
    StopSignals(Duration gracePeriod, IntConsumer halt) {
        this.gracePeriod = gracePeriod;
        this.halt = halt;
    }

    /** Handles SIGTERM and SIGINT from now on, in place of the JVM's default (run the shutdown hooks, exit 143). */
    static StopSignals install(Duration gracePeriod) {
        StopSignals stop = new StopSignals(gracePeriod, Runtime.getRuntime()::halt);
        for (String name : List.of("TERM", "INT")) {
            try {
                Signal.handle(new Signal(name), signal -> stop.request("SIG" + signal.getName()));
            } catch (IllegalArgumentException e) {
                // unknown on this platform, or kept by the JVM (-Xrs): the JVM's own handling stays
                LOG.debug("SIG{} keeps the JVM's default handling: {}", name, e.getMessage());
            }
        }
        return stop;
    }

    /** Records a requested stop; the first one counts, starts the grace period and interrupts a start in progress. */
    void request(String signal) {
        if (!request.compareAndSet(null, new Request(signal, System.nanoTime()))) {
            LOG.info("{} received while stopping; the stop goes on", signal);
            return;
        }
        LOG.info("{} received: stopping within the grace period of {} (shutdown.grace-period)", signal,
                describe(gracePeriod));
        Thread watchdog = new Thread(this::enforceGracePeriod, "sidecar-stop-deadline");
        watchdog.setDaemon(true);
        watchdog.start();
        synchronized (startLock) {
            if (starting != null) {
                starting.interrupt();
            }
        }
        requested.countDown();
    }

    /**
     * Runs the start on the calling thread, interrupting it if a stop is requested meanwhile (or was before).
     * Returns with the thread's interrupt status cleared, so that an interrupt meant for the start does not end
     * what follows.
     */
    <T> T whileStarting(Supplier<T> start) {
        synchronized (startLock) {
            starting = Thread.currentThread();
            if (isRequested()) {
                starting.interrupt();
            }
        }
        try {
            return start.get();
        } finally {
            synchronized (startLock) {
                starting = null;
            }
            Thread.interrupted();
        }
    }

    boolean isRequested() {
        return request.get() != null;
    }

    /** Blocks until a stop is requested. */
    void awaitRequest() throws InterruptedException {
        requested.await();
    }

    /** The requested stop has completed: the grace period no longer applies. */
    void stopped() {
        stopped("stopped cleanly after {} in {} ms");
    }

    /** The requested stop has ended a start in progress, which closed what it had opened. */
    void stoppedDuringStartUp() {
        stopped("stopped during start-up after {} in {} ms: nothing was running yet");
    }

    private void stopped(String message) {
        stopped.countDown();
        Request first = request.get();
        LOG.info(message, first.signal(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - first.at()));
    }

    private void enforceGracePeriod() {
        try {
            if (stopped.await(gracePeriod.toNanos(), TimeUnit.NANOSECONDS)) {
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        boolean stillStarting;
        synchronized (startLock) {
            stillStarting = starting != null;
        }
        LOG.error("the sidecar did not stop within the grace period of {} after {}{}; exiting with code {} without"
                        + " waiting any longer (raise shutdown.grace-period, below the supervisor's own limit)",
                describe(gracePeriod), request.get().signal(), stillStarting ? ", while it was still starting" : "",
                GRACE_PERIOD_EXCEEDED);
        halt.accept(GRACE_PERIOD_EXCEEDED);
    }

    private static String describe(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }
}
