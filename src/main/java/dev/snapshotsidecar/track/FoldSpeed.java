package dev.snapshotsidecar.track;

import dev.snapshotsidecar.request.FoldMeasure;

/**
 * What the tracker knows of one aggregate type's fold speed: the sum of what the workers measured on its builds,
 * older measurements weighing less (the sums are halved whenever they pass {@link #DECAY_EVENTS} events, so the
 * estimate follows a type whose events or aggregator change). The value of the {@code fold-speeds} store, one per
 * type; every task receives every worker's reports, so every task holds about the same. Immutable.
 *
 * @param measured     the decayed sums of events, bytes and microseconds
 * @param updatedMillis when the last report arrived (0: never)
 */
public record FoldSpeed(FoldMeasure measured, long updatedMillis) {
    /**
     * Measurements beyond this many events are halved: roughly the last hundred to two hundred thousand events count,
     * plenty for a mean, and few enough that a type whose events or aggregator change is followed soon.
     */
    static final long DECAY_EVENTS = 100_000;
    /** The prior counts as this many events measured at its speed, so the first builds move it gently. */
    static final long PRIOR_EVENTS = 1_000;
    public static final FoldSpeed NONE = new FoldSpeed(FoldMeasure.NONE, 0);

    public FoldSpeed {
        measured = measured == null ? FoldMeasure.NONE : measured;
    }

    /** This speed with one more report. */
    FoldSpeed plus(FoldMeasure report, long nowMillis) {
        FoldMeasure sum = measured.plus(report);
        while (sum.events() > DECAY_EVENTS) {
            sum = sum.scaled(0.5);
        }
        return new FoldSpeed(sum, nowMillis);
    }

    /**
     * The estimated cost of replaying one event, in microseconds: the measurements, with the prior counting as
     * {@link #PRIOR_EVENTS} events.
     */
    public double microsPerEvent(long priorMicrosPerEvent) {
        return (priorMicrosPerEvent * (double) PRIOR_EVENTS + measured.micros())
                / (PRIOR_EVENTS + measured.events());
    }

    /** The mean size of an event measured, in bytes; 0 before any. */
    public double bytesPerEvent() {
        return measured.events() == 0 ? 0 : (double) measured.bytes() / measured.events();
    }
}
