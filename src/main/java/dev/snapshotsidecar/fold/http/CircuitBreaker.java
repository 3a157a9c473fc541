package dev.snapshotsidecar.fold.http;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * One endpoint's circuit breaker: closed while calls succeed; open, failing calls at once without reaching the
 * service, after {@code failures} transient failures in a row; after {@code openFor}, one trial call is let through
 * (half open): its success closes the circuit, its failure opens it again. Thread-safe.
 */
final class CircuitBreaker {
    /** Where the circuit stands. */
    enum State { CLOSED, OPEN, HALF_OPEN }

    private final int failures;
    private final Duration openFor;
    private final Clock clock;
    private State state = State.CLOSED;
    private int failuresInARow;
    private Instant openUntil = Instant.MIN;
    private boolean trialInFlight;

    CircuitBreaker(int failures, Duration openFor, Clock clock) {
        this.failures = failures;
        this.openFor = openFor;
        this.clock = clock;
    }

    /**
     * Whether a call may go now; when it may not, until when the circuit stays open. A half-open circuit lets one
     * call through at a time.
     */
    synchronized Optional<Instant> refuseUntil() {
        if (state == State.OPEN && !clock.instant().isBefore(openUntil)) {
            state = State.HALF_OPEN;
            trialInFlight = false;
        }
        if (state == State.OPEN) {
            return Optional.of(openUntil);
        }
        if (state == State.HALF_OPEN) {
            if (trialInFlight) {
                return Optional.of(clock.instant());
            }
            trialInFlight = true;
        }
        return Optional.empty();
    }

    /** A call reached the service and it answered (whatever it said, as long as it was not a 5xx). */
    synchronized boolean succeeded() {
        boolean closing = state != State.CLOSED;
        state = State.CLOSED;
        failuresInARow = 0;
        trialInFlight = false;
        return closing;
    }

    /** A call failed transiently (timeout, connection error, 5xx). @return whether the circuit opened now */
    synchronized boolean failed() {
        failuresInARow++;
        trialInFlight = false;
        if (state == State.HALF_OPEN || (state == State.CLOSED && failuresInARow >= failures)) {
            state = State.OPEN;
            openUntil = clock.instant().plus(openFor);
            return true;
        }
        return false;
    }

    synchronized State state() {
        return state;
    }

    synchronized int failuresInARow() {
        return failuresInARow;
    }
}
