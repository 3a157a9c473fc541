package dev.snapshotsidecar.observe;

import java.time.Duration;
import java.util.Optional;

/**
 * What replaying one aggregate type's events costs, as the tracker estimates it from the worker's builds. Immutable.
 *
 * @param microsPerEvent  estimated cost of one event: read, deserialised, applied
 * @param bytesPerEvent   mean size of the events measured (0 before any)
 * @param measuredEvents  how many events the estimate rests on (0: the configured prior alone)
 * @param limit           the type's replay-cost-above, when it has one
 */
public record ReplayCostEstimate(double microsPerEvent, double bytesPerEvent, long measuredEvents,
                                 Optional<Duration> limit) {

    /** What replaying {@code events} costs at this speed, in milliseconds. */
    public double millisFor(long events) {
        return events * microsPerEvent / 1000.0;
    }

    /** Whether builds measured it, or the prior alone speaks. */
    public String basis() {
        return measuredEvents > 0 ? "measured" : "prior";
    }
}
