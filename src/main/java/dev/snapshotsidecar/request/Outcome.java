package dev.snapshotsidecar.request;

import com.fasterxml.jackson.annotation.JsonEnumDefaultValue;

/**
 * How a build or an erasure ended. A value this version does not know (written by a newer one during a rolling
 * upgrade) reads as {@link #UNKNOWN}, which the tracker counts and otherwise ignores.
 */
public enum Outcome {
    /** A new snapshot row was written. */
    WRITTEN,
    /** A snapshot at or beyond the requested version already existed; nothing was written. */
    ALREADY_CURRENT,
    /** The build or erasure failed (fold error, gap, database gave up); {@code detail} says why. It is asked again. */
    FAILED,
    /** The snapshot exceeded the configured size and was not written. */
    TOO_LARGE,
    /**
     * Every event of the erased incarnation is gone, and so are the stream's snapshots: the erasure is confirmed.
     * {@code version} is the position the ERASE was checked against.
     */
    ERASED,
    /**
     * An ERASE found events of the stream still in the table (archiving, a removed row): only snapshots above its
     * last event were deleted. {@code version} is the position the ERASE was checked against.
     */
    EVENTS_REMAIN,
    /**
     * The events in the database end before the requested version (a bad record moved the head, or events were
     * deleted since); {@code version} is the stream's last version in the database, or -1 when it has none.
     */
    HEAD_BEYOND_EVENTS,
    /**
     * An operator reset the head to what the database holds: {@code version} is the stream's last version there (or
     * -1 when it has none), applied whatever it was before. Not a build result.
     */
    HEAD_RESET,
    /**
     * A reconcile pass found the stream's last event in the database ({@code version}, with {@code lastEvent}) above
     * the tracker's head, or found a stream the tracker never saw: the head is raised to it, or started, never
     * lowered, whatever its incarnation. Not a build result.
     */
    HEAD_RECONCILE,
    /** Marks the end of a first start's announcements on one results partition (key ""); not a build result. */
    BOOTSTRAP_COMPLETE,
    /** An outcome this version does not know. */
    @JsonEnumDefaultValue
    UNKNOWN;

    /** Whether a snapshot at the result's version is known to exist. */
    public boolean snapshotExists() {
        return this == WRITTEN || this == ALREADY_CURRENT;
    }
}
