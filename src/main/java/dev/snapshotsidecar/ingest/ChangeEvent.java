package dev.snapshotsidecar.ingest;

import java.util.Optional;

/** What one change event of the events table means to the sidecar. */
public sealed interface ChangeEvent {

    /** An insert ({@code op} c) or a row of Debezium's initial snapshot ({@code op} r): a head may move. */
    record Appended(AppendedEvent event) implements ChangeEvent {
    }

    /**
     * A deleted row (op d, or a flattened row marked deleted): events of the stream are gone, maybe all of them.
     *
     * @param position the deleted row's global position, or -1 when its image does not carry it
     */
    record Deleted(String streamId, long position) implements ChangeEvent {
    }

    /** A well-formed change event that moves no head; counted by reason. */
    record Ignored(IgnoredReason reason, Optional<String> streamId) implements ChangeEvent {
    }
}
