package dev.snapshotsidecar.fold;

import dev.snapshotsidecar.SidecarException;

/**
 * A fold could not be computed now, for a reason that may pass: the service that folds did not answer, answered
 * 5xx or 429 past the retry budget, or its circuit breaker is open. The build of that stream ends FAILED and the
 * tracker asks again after its failure backoff; nothing about the stream itself is wrong.
 */
public class FoldUnavailableException extends SidecarException {
    public FoldUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }

    public FoldUnavailableException(String message) {
        super(message);
    }
}
