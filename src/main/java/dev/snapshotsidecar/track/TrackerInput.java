package dev.snapshotsidecar.track;

import dev.snapshotsidecar.request.TrackerCommand;
import dev.snapshotsidecar.request.SnapshotResult;

/** What reaches the head tracker, merged into one co-partitioned stream keyed by stream id (commands by type). */
sealed interface TrackerInput {
    record Change(StreamChange change) implements TrackerInput {
    }

    record Result(SnapshotResult result) implements TrackerInput {
    }

    record Command(TrackerCommand command) implements TrackerInput {
    }
}
