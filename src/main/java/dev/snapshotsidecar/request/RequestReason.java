package dev.snapshotsidecar.request;

import com.fasterxml.jackson.annotation.JsonEnumDefaultValue;

/**
 * Why a snapshot was requested, or (ERASE) why a stream's snapshots are to be deleted. A reason this version does not
 * know reads as {@link #UNKNOWN} and is built like any other request: a build is always safe to run.
 */
public enum RequestReason {
    THRESHOLD, SCHEDULED, IDLE, MANUAL, REBUILD, ERASE,
    /** An event of a type the aggregate type snapshots after (a resting state) follows the latest snapshot. */
    AFTER_EVENT,
    /** Replaying the events after the latest snapshot would cost more than the type's limit. */
    REPLAY_COST,
    /** Not a request: marks a first start's announcement of a snapshot found in the table (a result's reason). */
    BOOTSTRAP,
    @JsonEnumDefaultValue
    UNKNOWN
}
