package dev.snapshotsidecar.track;

import dev.snapshotsidecar.ingest.AppendedEvent;
import dev.snapshotsidecar.ingest.UnparseableChangeEventException;

/** What the parse processor passes on: an appended event, or the original bytes bound for dead letters. */
sealed interface ParseResult {
    record Parsed(AppendedEvent event) implements ParseResult {
    }

    record DeadLetter(byte[] key, byte[] value, UnparseableChangeEventException error) implements ParseResult {
    }
}
