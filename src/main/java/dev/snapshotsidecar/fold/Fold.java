package dev.snapshotsidecar.fold;

import java.util.Optional;

/**
 * How one aggregate type's state is computed from its events, whichever {@link FoldKind} computes it: the one
 * abstraction the builder, {@code verify}, {@code analyze}'s fold-speed sample, the size guard, schema versions and
 * rebuilds use.
 *
 * <p>A fold is started once per build ({@link #start}), fed the stream's events in version order
 * ({@link Run#apply}), at most {@link #chunkEvents()} of them between two reads of the database, and ends with the
 * state as JSON text ({@link Run#finish}), which is what the snapshot stores.
 *
 * <p>Lifecycle: one instance per aggregate type, created at start-up and closed at shutdown. Thread-safe: runs of
 * different streams go on at once on the worker's build threads; one {@link Run} is used by one thread. Calls may
 * block (an HTTP fold waits for its service), so a fold is never called on a Kafka Streams thread.
 *
 * <p>Errors: {@link FoldException} when this stream cannot be folded (an unknown event type, an event the service
 * rejects, a state that cannot be read): the build fails naming the reason. {@link FoldUnavailableException} when the
 * fold cannot be computed now (its service is down): the build fails and is asked for again later.
 */
public interface Fold extends AutoCloseable {

    /** Which kind computes the state. */
    FoldKind kind();

    /** What computes it, for logs and reports, e.g. {@code aggregator clinical.prescription}; never a secret. */
    String description();

    /**
     * The current version of the state's JSON form: snapshots of other versions are ignored, and a change starts a
     * rebuild of the type. May ask the service (an HTTP fold's describe call) when not yet known.
     *
     * @throws FoldUnavailableException when it cannot be known now
     */
    int schemaVersion();

    /** The most events one run takes between two reads of the database; {@link Integer#MAX_VALUE} when unbounded. */
    default int chunkEvents() {
        return Integer.MAX_VALUE;
    }

    /**
     * Starts folding one stream.
     *
     * @param from         the state to start from, a snapshot of {@link #schemaVersion()}; empty to start from the
     *                     initial state, before the stream's first event
     * @param firstVersion the version of a stream's first event (the initial state stands at one less)
     * @throws FoldException when {@code from} cannot be read
     */
    Run start(String streamId, Optional<FoldState> from, long firstVersion);

    /**
     * Registers a listener told the new schema version when this fold's changes while the sidecar runs (an HTTP
     * fold's service was deployed with a new one); called on a background thread, never a build thread. Kinds whose
     * version can only change with a restart ignore it.
     */
    default void watchSchemaVersion(java.util.function.IntConsumer listener) {
    }

    /** Releases what the fold holds (an HTTP client); idempotent. */
    @Override
    default void close() {
    }

    /** One stream's fold in progress; used by one thread. */
    interface Run {
        /** Folds the next event, whose version follows the previous one's. */
        void apply(StoredEvent event);

        /**
         * The state after the last event applied (the starting state when none was); call once.
         *
         * @throws FoldException when the fold's own checks fail (a service answering for another version)
         */
        FoldState finish();
    }
}
