package dev.snapshotsidecar.build;

import dev.snapshotsidecar.fold.Fold;
import dev.snapshotsidecar.fold.FoldException;
import dev.snapshotsidecar.fold.FoldState;
import dev.snapshotsidecar.fold.StoredEvent;
import dev.snapshotsidecar.store.EventReader;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Folds a stream's events, read from the database, through any {@link Fold}: what a build, a verification, the fold
 * speed sample and the demo's rehydration all do. Checks that versions are contiguous. A fold that takes the events in
 * chunks ({@link Fold#chunkEvents()}) gets them read one chunk at a time and only after the read has returned, so no
 * database connection is held while a fold service works; {@code check} runs before each chunk is folded and every
 * {@link #CHECK_EVERY} events (the builder checks its lease there). Stateless.
 */
public final class FoldReplay {
    /** Events folded between two runs of a replay's check. */
    static final int CHECK_EVERY = 256;
    /** No bound on the global positions of the events folded. */
    public static final long NO_BOUND = -1;

    private FoldReplay() {
    }

    /**
     * What a replay folded.
     *
     * @param state    the state, empty only when there was neither a starting state nor an event
     * @param version  the version of the last event folded (the start's when none was)
     * @param position the global position of the last event folded, or -1
     * @param events   events folded
     */
    public record Replayed(Optional<FoldState> state, long version, long position, long events) {
    }

    /**
     * Folds the events after {@code from} (or from the first) up to {@code toVersion}, stopping where they end.
     *
     * @throws FoldException when the stream has a gap, or the fold fails for this stream
     */
    public static Replayed replay(Fold fold, EventReader events, String streamId, Optional<FoldState> from,
                                  long firstVersion, long toVersion, Runnable beforeChunk) {
        return replay(fold, events, streamId, from, firstVersion, toVersion, NO_BOUND, beforeChunk);
    }

    /**
     * Folds as {@link #replay(Fold, EventReader, String, Optional, long, long, Runnable)} does, but no event whose
     * global position is above {@code positionBound} (when it is not negative): one there was written after the
     * bound was taken, by a new life of the stream id.
     *
     * @throws FoldException when the stream has a gap, an event lies above the bound, or the fold fails
     */
    public static Replayed replay(Fold fold, EventReader events, String streamId, Optional<FoldState> from,
                                  long firstVersion, long toVersion, long positionBound, Runnable check) {
        Runnable beforeChunk = check;
        Progress progress = new Progress(fold.start(streamId, from, firstVersion), streamId,
                from.map(FoldState::version).orElse(firstVersion - 1), positionBound, check);
        int chunk = fold.chunkEvents();
        if (chunk == Integer.MAX_VALUE) {
            beforeChunk.run();
            events.read(streamId, progress.version + 1, toVersion, progress::apply);
        } else {
            List<StoredEvent> batch = new ArrayList<>(Math.min(chunk, 10_000));
            while (progress.version < toVersion) {
                long upTo = Math.min(toVersion, progress.version + chunk);
                batch.clear();
                events.read(streamId, progress.version + 1, upTo, batch::add);
                if (batch.isEmpty()) {
                    break;
                }
                beforeChunk.run();
                batch.forEach(progress::apply);
                if (progress.version < upTo) {
                    break; // the events end (or have a gap) before upTo
                }
            }
        }
        Optional<FoldState> state = from.isEmpty() && progress.count == 0 ? Optional.empty()
                : Optional.of(progress.run.finish());
        return new Replayed(state, progress.version, progress.position, progress.count);
    }

    /** Whole replay from the first event up to {@code toVersion}, with nothing to check between chunks. */
    public static Replayed fromFirst(Fold fold, EventReader events, String streamId, long firstVersion,
                                     long toVersion) {
        return replay(fold, events, streamId, Optional.empty(), firstVersion, toVersion, () -> { });
    }

    /**
     * What a service's repository does to read an aggregate, for any fold kind: the latest snapshot of the fold's
     * schema version, then the events after it. The demo measures rehydration with it.
     */
    public static Replayed fromLatestSnapshot(Fold fold, dev.snapshotsidecar.store.SnapshotStore snapshots,
                                              EventReader events, String streamId, long firstVersion) {
        Optional<FoldState> from = snapshots.latest(streamId, fold.schemaVersion())
                .map(s -> new FoldState(s.version(), s.schemaVersion(), s.data()));
        return replay(fold, events, streamId, from, firstVersion, Long.MAX_VALUE, () -> { });
    }

    /**
     * The fold speed of a sample: microseconds per event of reading and folding each stream from its first event,
     * through {@code fold}, whatever its kind. The first pass warms the JIT and the caches (the database's, a fold
     * service's); the second is measured. A stream that cannot be folded is left out. 0 when nothing was folded.
     */
    public static double microsPerEvent(Fold fold, EventReader events, List<String> streamIds, long firstVersion) {
        long folded = 0;
        long nanos = 0;
        for (int pass = 0; pass < 2; pass++) {
            folded = 0;
            nanos = 0;
            for (String id : streamIds) {
                long started = System.nanoTime();
                try {
                    folded += fromFirst(fold, events, id, firstVersion, Long.MAX_VALUE).events();
                    nanos += System.nanoTime() - started;
                } catch (FoldException | dev.snapshotsidecar.fold.FoldUnavailableException e) {
                    // not a measure of speed
                }
            }
        }
        return folded == 0 ? 0 : nanos / 1000.0 / folded;
    }

    private static final class Progress {
        private final Fold.Run run;
        private final String streamId;
        private final long positionBound;
        private final Runnable check;
        private long version;
        private long position = -1;
        private long count;

        Progress(Fold.Run run, String streamId, long version, long positionBound, Runnable check) {
            this.run = run;
            this.streamId = streamId;
            this.version = version;
            this.positionBound = positionBound;
            this.check = check;
        }

        void apply(StoredEvent event) {
            if (event.version() != version + 1) {
                throw new FoldException(streamId, event.version(), event.eventType(),
                        "expected version " + (version + 1) + ": the stream has a gap", null);
            }
            if (positionBound >= 0 && event.position() > positionBound) {
                throw new FoldException(streamId, event.version(), event.eventType(), "written after the request"
                        + " (global position " + event.position() + " above " + positionBound
                        + "): the stream was erased and written again", null);
            }
            if (count % CHECK_EVERY == CHECK_EVERY - 1) {
                check.run();
            }
            run.apply(event);
            version = event.version();
            position = event.position();
            count++;
        }
    }
}
