package dev.snapshotsidecar.track.policy;

import dev.snapshotsidecar.config.DailyWindow;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;

/** When a scheduled sweep of a type runs. Pure: decides from the clock and the sweep's own state. */
public sealed interface SweepSchedule {

    /**
     * @param inProgress    a pass over the store is under way
     * @param startedMillis when the current (or last) pass started, or 0 before the first
     * @return whether a sweep should be walking the store now: one in progress that may go on, or a new one due
     */
    boolean active(long nowMillis, boolean inProgress, long startedMillis);

    /** A sweep every {@code interval}, measured from the start of the previous one. */
    record Interval(Duration interval) implements SweepSchedule {
        @Override
        public boolean active(long nowMillis, boolean inProgress, long startedMillis) {
            return inProgress || startedMillis == 0
                    || nowMillis - startedMillis >= interval.toMillis();
        }
    }

    /**
     * One sweep a day within a window of local time: it starts in the window, walks only while the window is
     * open, and resumes in the next window if it did not finish.
     */
    record Daily(DailyWindow window, ZoneId zone) implements SweepSchedule {
        @Override
        public boolean active(long nowMillis, boolean inProgress, long startedMillis) {
            ZonedDateTime now = Instant.ofEpochMilli(nowMillis).atZone(zone);
            if (!window.contains(now.toLocalTime())) {
                return false;
            }
            return inProgress || startedMillis == 0
                    || occurrence(startedMillis).isBefore(occurrence(nowMillis));
        }

        /** The date the window opened on, for a moment inside (or after) it. */
        private LocalDate occurrence(long millis) {
            ZonedDateTime time = Instant.ofEpochMilli(millis).atZone(zone);
            boolean crossesMidnight = window.end().isBefore(window.start());
            return crossesMidnight && time.toLocalTime().isBefore(window.end())
                    ? time.toLocalDate().minusDays(1) : time.toLocalDate();
        }
    }
}
