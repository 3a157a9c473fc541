package dev.snapshotsidecar.track;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;

/**
 * How far a schema rebuild of one aggregate type has come, over some tracker tasks: one task's share
 * ({@link #ofTask}), or several merged ({@link #plus}). Read from the {@code rebuild-jobs} and {@code stream-heads}
 * stores by {@link HeadsQuery#rebuildProgress}, off the stream threads. Immutable.
 *
 * <p>A task's job belongs to the rebuild asked for at {@code requestedAtMillis} when it was requested then or later
 * (a later rebuild of the type replaces it, and covers it). Counted per task:
 *
 * @param tasks     tasks counted
 * @param waiting   tasks that have not read the rebuild's command yet (no job of it)
 * @param walking   tasks still asking for snapshots
 * @param finished  tasks that have asked for every stream
 * @param streams   streams of the type in the tasks with a job, that existed when it started (erased ones aside)
 * @param requested of those, the streams the walk has asked for (all of them once the task finished)
 * @param answered  of those, the streams whose snapshot result (written, or already current) came since the
 *                  task started the job: rebuilt
 * @param pending   of those, the streams with a request sent since the start and not yet answered
 * @param failing   of those, the streams not answered whose last builds failed (asked again with backoff)
 */
public record RebuildProgress(String aggregateType, int tasks, int waiting, int walking, int finished, long streams,
                              long requested, long answered, long pending, long failing) {

    public static RebuildProgress none(String aggregateType) {
        return new RebuildProgress(aggregateType, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    }

    /** Every task counted has asked for every stream, and every request sent has been answered. */
    public boolean complete() {
        return tasks > 0 && finished == tasks && pending == 0;
    }

    /** The sum of two shares of the same rebuild. */
    public RebuildProgress plus(RebuildProgress other) {
        return new RebuildProgress(aggregateType, tasks + other.tasks, waiting + other.waiting,
                walking + other.walking, finished + other.finished, streams + other.streams,
                requested + other.requested, answered + other.answered, pending + other.pending,
                failing + other.failing);
    }

    /** The heads of one task, visited in the store's order. */
    @FunctionalInterface
    interface Heads {
        void forEach(java.util.function.BiConsumer<String, StreamHead> visitor);
    }

    /**
     * One task's share of the rebuild asked for at {@code requestedAtMillis} (0: whichever the task holds).
     *
     * @param job   the task's job of the type, if any
     * @param heads the task's heads, in the store's order (bytewise order of the UTF-8 keys)
     */
    static RebuildProgress ofTask(String aggregateType, long requestedAtMillis, long firstVersion,
                                  Optional<RebuildJob> job, Heads heads) {
        Optional<RebuildJob> current = job.filter(j -> j.requestedMillis() >= requestedAtMillis);
        if (current.isEmpty()) {
            return new RebuildProgress(aggregateType, 1, 1, 0, 0, 0, 0, 0, 0, 0);
        }
        RebuildJob j = current.get();
        long since = j.sinceMillis();
        long[] counts = new long[5]; // streams, requested, answered, pending, failing
        byte[] cursor = j.cursor().getBytes(StandardCharsets.UTF_8);
        heads.forEach((id, head) -> {
            if (!aggregateType.equals(head.aggregateType())
                    || head.erasure().state() != StreamHead.ErasureState.NONE || head.incarnation() > since) {
                return; // another type, erased, or a stream that began after the rebuild
            }
            counts[0]++;
            if (requested(j, head.headVersion() - firstVersion + 1, id, cursor)) {
                counts[1]++;
            }
            boolean answered = head.lastSnapshotMillis() >= since && head.snapshotVersion() != StreamHead.NONE;
            if (answered) {
                counts[2]++;
            } else if (head.pending() && head.pendingSinceMillis() >= since) {
                counts[3]++;
            } else if (head.consecutiveFailures() > 0) {
                counts[4]++;
            }
        });
        return new RebuildProgress(aggregateType, 1, 0, j.finished() ? 0 : 1, j.finished() ? 1 : 0, counts[0],
                counts[1], counts[2], counts[3], counts[4]);
    }

    /** Whether the walk has asked for a stream of this length and id (it asks band by band, longest first). */
    private static boolean requested(RebuildJob job, long length, String id, byte[] cursor) {
        if (job.finished()) {
            return true;
        }
        if (job.band() == RebuildJob.MEASURING || length < 1) {
            return false;
        }
        int band = 63 - Long.numberOfLeadingZeros(length);
        if (band != job.band()) {
            return band > job.band();
        }
        // in the band being walked: visited up to the cursor, in the store's (bytewise) order
        return !job.cursor().isEmpty()
                && Arrays.compareUnsigned(id.getBytes(StandardCharsets.UTF_8), cursor) <= 0;
    }
}
