package dev.snapshotsidecar.build;

import dev.snapshotsidecar.request.Outcome;
import dev.snapshotsidecar.request.SnapshotRequest;
import dev.snapshotsidecar.request.SnapshotResult;
import dev.snapshotsidecar.store.TransientStoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Runs one request's build on a build thread: takes a permit of the builds-per-second limit, retries transient
 * database failures with backoff until {@code giveUpAfter} (then FAILED, for the tracker to ask again later), and
 * turns anything else that ends a build into a FAILED result naming it: an {@link Error} of one stream's fold (a
 * plugin's missing class, a stack overflow) fails that stream only; an unrecoverable one (out of memory) also goes to
 * {@code fatal}. Every call of the builder is logged at DEBUG on {@code dev.snapshotsidecar.build.spans} (stream,
 * start, end, outcome; never a payload), for whoever measures builds across instances. Thread-safe.
 */
final class RetryingBuilder {
    private static final Logger LOG = LoggerFactory.getLogger(RetryingBuilder.class);
    private static final Logger SPANS = LoggerFactory.getLogger("dev.snapshotsidecar.build.spans");
    /** How often a wait between attempts looks whether its lease still holds. */
    private static final long LEASE_CHECK_MILLIS = 100;

    private final SnapshotBuilder builder;
    private final TokenBucket rateLimit;
    private final Backoff backoff;
    private final Duration giveUpAfter;
    private final WorkerMetrics metrics;
    private final Clock clock;
    private final Consumer<Error> fatal;

    RetryingBuilder(SnapshotBuilder builder, TokenBucket rateLimit, Backoff backoff, Duration giveUpAfter,
                    WorkerMetrics metrics, Clock clock, Consumer<Error> fatal) {
        this.builder = builder;
        this.rateLimit = rateLimit;
        this.backoff = backoff;
        this.giveUpAfter = giveUpAfter;
        this.metrics = metrics;
        this.clock = clock;
        this.fatal = fatal;
    }

    /** The result; empty when the lease is lost (closing, or the partition moved) before one could be had. */
    Optional<SnapshotResult> build(Job job, BuildLease lease) {
        long started = clock.millis();
        SnapshotRequest request = job.request();
        for (int attempt = 1; ; attempt++) {
            if (!lease.held()) {
                return Optional.empty();
            }
            try {
                metrics.waitedForPermit(rateLimit.acquire());
                return Optional.of(attempt(request, lease));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            } catch (LeaseLostException e) {
                LOG.info("{}", e.getMessage());
                return Optional.empty();
            } catch (TransientStoreException e) {
                long elapsed = clock.millis() - started;
                if (elapsed >= giveUpAfter.toMillis()) {
                    return Optional.of(request.answer(request.headVersion(), Outcome.FAILED,
                            "database unavailable for " + elapsed + " ms: " + e.getMessage(), elapsed));
                }
                Duration wait = backoff.delay(attempt);
                LOG.warn("build of {} at version {} (request {}-{}@{}): {}; attempt {} in {} ms",
                        request.streamId(), request.headVersion(), job.partition().topic(),
                        job.partition().partition(), job.offset(), e.getMessage(), attempt + 1, wait.toMillis());
                metrics.retried();
                if (!pause(wait, lease)) {
                    return Optional.empty();
                }
            } catch (RuntimeException e) {
                LOG.error("build of {} at version {} failed unexpectedly: {}", request.streamId(),
                        request.headVersion(), e.getClass().getName(), e);
                return Optional.of(failed(request, "unexpected " + e.getClass().getSimpleName() + " while building",
                        started));
            } catch (StackOverflowError | LinkageError | AssertionError e) {
                // one stream's fold (a plugin's missing class, a recursion too deep): that stream fails, others go on
                metrics.jobDied();
                LOG.error("build of {} at version {} ended with {}", request.streamId(), request.headVersion(),
                        e.getClass().getName(), e);
                return Optional.of(failed(request, e.getClass().getSimpleName() + " while building", started));
            } catch (Error e) {
                // out of memory and the like: this JVM cannot be trusted to go on; report the stream and go not-live
                metrics.jobDied();
                fatal.accept(e);
                LOG.error("build of {} at version {} ended with {}: the worker is no longer alive and the process"
                        + " should be restarted", request.streamId(), request.headVersion(), e.getClass().getName());
                return Optional.of(failed(request, e.getClass().getSimpleName() + " while building", started));
            }
        }
    }

    /**
     * Whether {@code t} leaves this JVM untrustworthy: an {@link Error} other than one stream's stack overflow, missing
     * class or failed assertion, which fail only that stream.
     */
    static boolean unrecoverable(Throwable t) {
        return t instanceof Error && !(t instanceof StackOverflowError || t instanceof LinkageError
                || t instanceof AssertionError);
    }

    private SnapshotResult failed(SnapshotRequest request, String reason, long started) {
        return request.answer(request.headVersion(), Outcome.FAILED, reason, clock.millis() - started);
    }

    /** One call of the builder, logged as a span. */
    private SnapshotResult attempt(SnapshotRequest request, BuildLease lease) {
        long start = System.currentTimeMillis();
        String outcome = "ERROR";
        try {
            SnapshotResult result = builder.build(request, lease);
            outcome = result.outcome().name();
            return result;
        } catch (LeaseLostException e) {
            outcome = "LEASE_LOST";
            throw e;
        } catch (TransientStoreException e) {
            outcome = "RETRY";
            throw e;
        } finally {
            if (SPANS.isDebugEnabled()) {
                SPANS.debug("build span stream={} start={} end={} outcome={}", request.streamId(), start,
                        System.currentTimeMillis(), outcome);
            }
        }
    }

    /** Waits, but not past the lease: @return whether it still holds */
    private static boolean pause(Duration wait, BuildLease lease) {
        long end = System.nanoTime() + wait.toNanos();
        try {
            while (lease.held()) {
                long left = end - System.nanoTime();
                if (left <= 0) {
                    return true;
                }
                Thread.sleep(Math.min(LEASE_CHECK_MILLIS, Math.max(1, left / 1_000_000)));
            }
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
