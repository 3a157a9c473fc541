package dev.snapshotsidecar.observe;

import dev.snapshotsidecar.request.Outcome;
import dev.snapshotsidecar.request.SnapshotRequest;
import dev.snapshotsidecar.request.SnapshotResult;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The builds this instance's worker finished in the last {@link #WINDOW}, at most {@link #CAPACITY} of them: what the
 * status page shows as recent outcomes per type, builds per minute and the last failures. Holds stream ids, versions,
 * outcomes and the results' details (which never carry a payload), nothing else. Thread-safe: builds are recorded
 * from the worker's threads, read from the admin threads.
 */
public final class BuildHistory {
    static final Duration WINDOW = Duration.ofMinutes(15);
    static final int CAPACITY = 20_000;
    static final int FAILURES_KEPT = 20;

    private final Clock clock;
    private final Deque<FinishedBuild> builds = new ArrayDeque<>();
    private final Deque<FinishedBuild> failures = new ArrayDeque<>();

    public BuildHistory(Clock clock) {
        this.clock = clock;
    }

    /** One finished build: when, of which stream, with what outcome; {@code detail} as the result says it. */
    public record FinishedBuild(long atMillis, String aggregateType, String streamId, long version, Outcome outcome,
                                String detail) {
        /** An outcome an operator looks into: the build failed, or its snapshot could not be stored. */
        public boolean failure() {
            return outcome == Outcome.FAILED || outcome == Outcome.TOO_LARGE || outcome == Outcome.HEAD_BEYOND_EVENTS;
        }
    }

    /** Called by the worker once the result is published. */
    public void record(SnapshotRequest request, SnapshotResult result) {
        FinishedBuild build = new FinishedBuild(clock.millis(), request.aggregateType(), result.streamId(),
                result.version(), result.outcome(), result.detail());
        synchronized (this) {
            builds.addLast(build);
            while (builds.size() > CAPACITY) {
                builds.removeFirst();
            }
            if (build.failure()) {
                failures.addLast(build);
                while (failures.size() > FAILURES_KEPT) {
                    failures.removeFirst();
                }
            }
        }
    }

    /** What the history holds now, for one rendering. */
    public record View(long nowMillis, List<FinishedBuild> builds, List<FinishedBuild> lastFailures) {
        public View {
            builds = List.copyOf(builds);
            lastFailures = List.copyOf(lastFailures);
        }

        /** Builds of the type by outcome, in the window. */
        public Map<Outcome, Long> outcomes(String aggregateType) {
            Map<Outcome, Long> counts = new EnumMap<>(Outcome.class);
            builds.stream().filter(b -> b.aggregateType().equals(aggregateType))
                    .forEach(b -> counts.merge(b.outcome(), 1L, Long::sum));
            return counts;
        }

        /** Builds finished per minute over the last {@code minutes}, oldest first, by outcome. */
        public List<Map<Outcome, Long>> perMinute(int minutes) {
            List<Map<Outcome, Long>> perMinute = new ArrayList<>();
            for (int i = 0; i < minutes; i++) {
                perMinute.add(new EnumMap<>(Outcome.class));
            }
            for (FinishedBuild b : builds) {
                long ago = (nowMillis - b.atMillis()) / 60_000;
                if (ago >= 0 && ago < minutes) {
                    perMinute.get(minutes - 1 - (int) ago).merge(b.outcome(), 1L, Long::sum);
                }
            }
            return perMinute;
        }

        /** Builds finished per second over the last minute. */
        public double perSecondLastMinute() {
            return builds.stream().filter(b -> nowMillis - b.atMillis() < 60_000).count() / 60.0;
        }
    }

    /** The builds of the window and the last failures (newest first), as of now. */
    public synchronized View view() {
        long now = clock.millis();
        while (!builds.isEmpty() && now - builds.peekFirst().atMillis() > WINDOW.toMillis()) {
            builds.removeFirst();
        }
        List<FinishedBuild> lastFailures = new ArrayList<>(failures);
        java.util.Collections.reverse(lastFailures);
        return new View(now, new ArrayList<>(builds), lastFailures);
    }
}
