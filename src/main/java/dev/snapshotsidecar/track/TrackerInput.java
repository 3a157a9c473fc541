package dev.snapshotsidecar.track;

import dev.snapshotsidecar.ingest.AppendedEvent;

/** The two things that reach the head tracker, merged into one co-partitioned stream keyed by stream id. */
sealed interface TrackerInput {
    record Appended(AppendedEvent event) implements TrackerInput {
    }

    record Result(SnapshotResult result) implements TrackerInput {
    }
}
