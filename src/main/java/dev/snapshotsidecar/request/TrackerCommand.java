package dev.snapshotsidecar.request;

import java.time.Instant;
import java.util.Objects;

/**
 * A command to every tracker task, written to each partition of {@code snapshot-commands}, keyed by aggregate type.
 * Immutable.
 *
 * <ul>
 *   <li>REBUILD asks for new snapshots of every stream of {@code aggregateType}, longest first (after its
 *       aggregator's schema version changed).</li>
 *   <li>FOLD_SPEED (format 2) tells every task what the folds of {@code aggregateType} cost on one worker since its
 *       last such command ({@code fold}), so that each estimates the type's replay cost from every build, not only
 *       from those of the streams it holds.</li>
 *   <li>RECONCILE (format 2) asks each instance for a reconcile pass now (its {@code aggregateType} is empty).</li>
 * </ul>
 *
 * @param v    message format: 1, or 2 ({@code fold}, FOLD_SPEED and RECONCILE)
 * @param fold what the folds cost, for FOLD_SPEED; {@link FoldMeasure#NONE} otherwise and for format 1
 */
public record TrackerCommand(int v, Kind kind, String aggregateType, Instant requestedAt, FoldMeasure fold) {
    public static final int FORMAT = 2;

    /** The commands there are; one this version does not know reads as UNKNOWN and is ignored. */
    public enum Kind {
        REBUILD,
        FOLD_SPEED,
        RECONCILE,
        @com.fasterxml.jackson.annotation.JsonEnumDefaultValue
        UNKNOWN
    }

    public TrackerCommand {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(aggregateType, "aggregateType");
        Objects.requireNonNull(requestedAt, "requestedAt");
        fold = fold == null ? FoldMeasure.NONE : fold;
    }

    public static TrackerCommand rebuild(String aggregateType, Instant at) {
        return new TrackerCommand(FORMAT, Kind.REBUILD, aggregateType, at, FoldMeasure.NONE);
    }

    /** What the folds of {@code aggregateType} cost on one worker since its last report. */
    public static TrackerCommand foldSpeed(String aggregateType, FoldMeasure fold, Instant at) {
        return new TrackerCommand(FORMAT, Kind.FOLD_SPEED, aggregateType, at, fold);
    }

    /** A reconcile pass, now, on every instance. */
    public static TrackerCommand reconcile(Instant at) {
        return new TrackerCommand(FORMAT, Kind.RECONCILE, "", at, FoldMeasure.NONE);
    }
}
