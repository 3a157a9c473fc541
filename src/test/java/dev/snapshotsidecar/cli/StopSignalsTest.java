package dev.snapshotsidecar.cli;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The stop logic without signals: {@link StopSignals#request} is what the SIGTERM and SIGINT handlers call. */
class StopSignalsTest {
    static final Duration LONG = Duration.ofDays(1);

    @Test
    @DisplayName("a requested stop releases the waiting command")
    void releases() throws Exception {
        StopSignals stop = new StopSignals(LONG, code -> { });
        CompletableFuture<Void> waiting = CompletableFuture.runAsync(() -> {
            try {
                stop.awaitRequest();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(stop.isRequested()).isFalse();
        stop.request("SIGTERM");
        waiting.get(10, TimeUnit.SECONDS);
        assertThat(stop.isRequested()).isTrue();
        stop.stopped();
    }

    @Test
    @DisplayName("a stop that does not complete within the grace period halts with exit code 1")
    void gracePeriodExceeded() throws Exception {
        CompletableFuture<Integer> halted = new CompletableFuture<>();
        StopSignals stop = new StopSignals(Duration.ofMillis(10), halted::complete);
        stop.request("SIGTERM");
        assertThat(halted.get(10, TimeUnit.SECONDS)).isEqualTo(1);
    }

    @Test
    @DisplayName("a stop requested during start-up interrupts the start, and the thread is not left interrupted")
    void interruptsStart() throws Exception {
        StopSignals stop = new StopSignals(LONG, code -> { });
        CountDownLatch started = new CountDownLatch(1);
        CompletableFuture<Boolean> afterwards = new CompletableFuture<>();
        Thread main = new Thread(() -> {
            String outcome = stop.whileStarting(() -> {
                started.countDown();
                try {
                    new CountDownLatch(1).await(); // a start that waits for Kafka or the database
                    return "started";
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt(); // as the start's own code does before it gives up
                    return "interrupted";
                }
            });
            afterwards.complete(outcome.equals("interrupted") && !Thread.currentThread().isInterrupted());
        });
        main.start();
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
        stop.request("SIGTERM");
        assertThat(afterwards.get(10, TimeUnit.SECONDS)).as("interrupted, and the interrupt cleared").isTrue();
        stop.stoppedDuringStartUp();
    }

    @Test
    @DisplayName("a stop requested before the start begins ends it at its first wait")
    void requestedBeforeStart() {
        StopSignals stop = new StopSignals(LONG, code -> { });
        stop.request("SIGINT");
        boolean interrupted = stop.whileStarting(() -> Thread.currentThread().isInterrupted());
        assertThat(interrupted).isTrue();
        assertThat(Thread.currentThread().isInterrupted()).isFalse();
        stop.stopped();
    }
}
