package dev.snapshotsidecar.track;

/**
 * What a decoding processor passes on: a change of a stream, an input for the head tracker read from the sidecar's own
 * topics, or the original bytes bound for dead letters with where they came from and why.
 */
sealed interface ParseResult {
    record Parsed(StreamChange change) implements ParseResult {
    }

    record Decoded(TrackerInput input) implements ParseResult {
    }

    record DeadLetter(byte[] key, byte[] value, String topic, int partition, long offset, String reason)
            implements ParseResult {
    }
}
