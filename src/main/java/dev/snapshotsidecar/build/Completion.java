package dev.snapshotsidecar.build;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Hands the records of one submission back to the worker's poll thread exactly once, whatever path ends them: a
 * build's results published, a publish that failed, a job that died, a close. A second end would release the
 * stream's slot twice and count its offsets again.
 */
final class Completion {
    /**
     * Records that are done, completed (their offsets may be committed) or not (they will be read again); a stream's
     * build, or an unreadable record (no stream).
     */
    record Finished(Optional<String> streamId, List<Job.Taken> taken, boolean completed) {
    }

    private final Optional<String> streamId;
    private final List<Job.Taken> taken;
    private final Consumer<Finished> sink;
    private final AtomicBoolean done = new AtomicBoolean();

    Completion(Optional<String> streamId, List<Job.Taken> taken, Consumer<Finished> sink) {
        this.streamId = streamId;
        this.taken = List.copyOf(taken);
        this.sink = sink;
    }

    Optional<String> streamId() {
        return streamId;
    }

    /** Ends the submission, completed or not; only the first call counts. */
    void complete(boolean completed) {
        if (done.compareAndSet(false, true)) {
            sink.accept(new Finished(streamId, taken, completed));
        }
    }
}
