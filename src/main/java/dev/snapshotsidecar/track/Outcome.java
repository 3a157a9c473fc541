package dev.snapshotsidecar.track;

/** How a build ended. */
public enum Outcome {
    /** A new snapshot row was written. */
    WRITTEN,
    /** A snapshot at or beyond the requested version already existed; nothing was written. */
    ALREADY_CURRENT,
    /** The build failed (fold error, missing events, database gave up); {@code detail} says why. */
    FAILED,
    /** The snapshot exceeded the configured size and was not written. */
    TOO_LARGE,
    /** The stream's events were deleted and so were its snapshots. */
    ERASED
}
