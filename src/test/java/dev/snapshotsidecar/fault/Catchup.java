package dev.snapshotsidecar.fault;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * Waits, with a deadline, for the pipeline to catch up, and says how long it took. Polls the snapshots table every
 * 500 ms; ends early when the count still behind has not dropped for the stall window, since a stalled pipeline is a
 * finding, not something to wait out.
 * <ul>
 *   <li>{@link #afterFault}, while the workload goes on writing: caught up at time t when no stream is due relative
 *       to its head as it was {@link #GRACE} before t, i.e. every crossing older than the grace has its snapshot, and
 *       every running sidecar has answered /health/ready with 200 for at least the grace (so the crossings of the
 *       outage are among those checked). The time includes the grace; the baseline (the same
 *       measure with no fault) shows the floor. Measured over streams the workload only appended to: an erasure or
 *       an archive can rightly change a stream's snapshots.</li>
 *   <li>{@link #settle}, with the writer stopped: settled when no live stream is due and no erased stream has rows.</li>
 * </ul>
 * Readiness is "ready since": the start of the last stretch in which every running sidecar answered /health/ready
 * with 200 at every poll, -1 when they were not all ready at the end.
 */
final class Catchup {
    static final Duration GRACE = Duration.ofSeconds(3);

    /**
     * @param caughtUp         true when caught up before the deadline and without stalling
     * @param afterMillis      from the start of the wait until caught up (or until it ended)
     * @param readyAfterMillis since when every running sidecar has been ready; -1 when not all ready at the end
     * @param behindAtStart    streams behind at the first poll
     * @param behindAtEnd      streams behind when it ended
     * @param behindExamples   some of those, with head and latest snapshot
     * @param ended            caught up, stalled or deadline
     * @param health           per running sidecar at the end: /health/live and /health/ready status codes
     */
    record Result(boolean caughtUp, long afterMillis, long readyAfterMillis, int behindAtStart, int behindAtEnd,
                  List<String> behindExamples, String ended, Map<String, String> health) {
        String describe() {
            return (caughtUp ? "caught up in " + afterMillis + " ms (behind at first poll: " + behindAtStart + ")"
                    : "NOT caught up (" + ended + " after " + afterMillis + " ms): " + behindAtEnd + " behind, e.g. "
                    + behindExamples) + "; health " + health;
        }
    }

    private interface Behind {
        List<String> of(long nowNanos, Map<String, Long> latestSnapshots);
    }

    private Catchup() {
    }

    static Result afterFault(FaultStack stack, Workload workload, Supplier<List<SidecarProcess>> running,
                             Duration deadline, Duration stallWindow) {
        record Sample(long nanos, Map<String, long[]> heads) {
        }
        Deque<Sample> samples = new ArrayDeque<>();
        long graceNanos = GRACE.toNanos();
        return poll(stack, running, deadline, stallWindow, graceNanos, true, (now, latest) -> {
            Map<String, long[]> heads = workload.plainHeads();
            samples.addLast(new Sample(now, heads));
            // the newest sample at least the grace old is the reference; older ones are no longer needed
            while (samples.size() > 1) {
                java.util.Iterator<Sample> oldest = samples.iterator();
                oldest.next();
                if (now - oldest.next().nanos < graceNanos) {
                    break;
                }
                samples.removeFirst();
            }
            Map<String, long[]> reference = samples.getFirst().heads;
            List<String> behind = new ArrayList<>();
            reference.forEach((id, head) -> {
                if (!heads.containsKey(id)) {
                    return; // erased or archived since: not a measure of catching up
                }
                long snapshot = latest.getOrDefault(id, -1L);
                if (head[0] - snapshot >= head[1]) {
                    behind.add(id + " (head " + head[0] + ", snapshot " + snapshot + ")");
                }
            });
            return behind;
        });
    }

    static Result settle(FaultStack stack, Workload workload, Supplier<List<SidecarProcess>> running,
                         Duration deadline, Duration stallWindow) {
        Map<String, StreamState> streams = workload.streams();
        return poll(stack, running, deadline, stallWindow, 0, false, (now, latest) -> {
            List<String> behind = new ArrayList<>();
            streams.values().forEach(s -> {
                long snapshot = latest.getOrDefault(s.id, -1L);
                if (s.erased && latest.containsKey(s.id)) {
                    behind.add(s.id + " (erased, snapshots up to " + snapshot + " remain)");
                } else if (!s.erased && s.head >= 0 && s.head - snapshot >= s.threshold) {
                    behind.add(s.id + " (head " + s.head + ", snapshot " + snapshot + ", " + Oracle.history(s) + ")");
                }
            });
            return behind;
        });
    }

    private static Result poll(FaultStack stack, Supplier<List<SidecarProcess>> running, Duration deadline,
                               Duration stallWindow, long minimumNanos, boolean requireReady, Behind behind) {
        long start = System.nanoTime();
        long end = start + deadline.toNanos();
        long readySince = -1;
        int atStart = -1;
        int best = Integer.MAX_VALUE;
        long bestAt = start;
        try (Connection c = stack.connection()) {
            while (true) {
                long now = System.nanoTime();
                if (running.get().stream().allMatch(SidecarProcess::ready)) {
                    readySince = readySince < 0 ? now : readySince;
                } else {
                    readySince = -1;
                }
                List<String> last = behind.of(now, Oracle.latestSnapshots(c, stack.table("snapshots")));
                if (atStart < 0) {
                    atStart = last.size();
                }
                long ready = readySince < 0 ? -1 : millis(readySince - start);
                // after a fault, caught up also means every instance has been ready for the grace: a restarted
                // instance that is not processing yet has not recovered, however few crossings happened meanwhile
                boolean readyLongEnough = !requireReady || (readySince >= 0 && now - readySince >= minimumNanos);
                if (last.isEmpty() && now - start >= minimumNanos && readyLongEnough) {
                    return new Result(true, millis(now - start), ready, atStart, 0, List.of(), "caught up",
                            health(running.get()));
                }
                if (last.size() < best) {
                    best = last.size();
                    bestAt = now;
                }
                if (now - bestAt > stallWindow.toNanos()) {
                    return new Result(false, millis(now - start), ready, atStart, last.size(), sample(last),
                            "stalled: no progress for " + stallWindow.toSeconds() + " s", health(running.get()));
                }
                if (now > end) {
                    return new Result(false, millis(now - start), ready, atStart, last.size(), sample(last),
                            "deadline of " + deadline.toSeconds() + " s", health(running.get()));
                }
                Thread.sleep(500); // the poll interval of a wait with a deadline
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the snapshots table", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    static Map<String, String> health(List<SidecarProcess> running) {
        Map<String, String> health = new TreeMap<>();
        running.forEach(s -> health.put(s.generationName(), "live " + s.status("/health/live") + ", ready "
                + s.status("/health/ready")));
        return health;
    }

    private static List<String> sample(List<String> behind) {
        return behind.stream().sorted().limit(8).toList();
    }

    private static long millis(long nanos) {
        return nanos / 1_000_000;
    }
}
