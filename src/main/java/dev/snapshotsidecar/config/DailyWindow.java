package dev.snapshotsidecar.config;

import java.time.LocalTime;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/** A daily time window such as 02:00-04:00; the end may be before the start, crossing midnight. Immutable. */
public record DailyWindow(LocalTime start, LocalTime end) {

    public static Optional<DailyWindow> parse(String text) {
        String[] parts = text.trim().split("\\s*-\\s*");
        if (parts.length != 2) {
            return Optional.empty();
        }
        try {
            DailyWindow window = new DailyWindow(LocalTime.parse(parts[0]), LocalTime.parse(parts[1]));
            return window.start.equals(window.end) ? Optional.empty() : Optional.of(window);
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    /** Whether {@code time} falls in the window (start inclusive, end exclusive). */
    public boolean contains(LocalTime time) {
        return start.isBefore(end)
                ? !time.isBefore(start) && time.isBefore(end)
                : !time.isBefore(start) || time.isBefore(end);
    }

    @Override
    public String toString() {
        return start + "-" + end;
    }
}
