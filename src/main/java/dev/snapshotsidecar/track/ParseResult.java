package dev.snapshotsidecar.track;

import dev.snapshotsidecar.ingest.UnparseableChangeEventException;

/** What the parse processor passes on: a change of a stream, or the original bytes bound for dead letters. */
sealed interface ParseResult {
    record Parsed(StreamChange change) implements ParseResult {
    }

    record DeadLetter(byte[] key, byte[] value, UnparseableChangeEventException error) implements ParseResult {
    }
}
