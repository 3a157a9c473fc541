package dev.snapshotsidecar.request;

/**
 * What folding some events cost, as the worker measured it on its builds: how many events, their size, and the time
 * from the first event read to the last one folded. That time is what a reader pays to replay them (reading from
 * the database, deserialising, applying), less the query's fixed round trip, which a reader pays whether or not a
 * snapshot exists. Immutable; sums of several builds add up.
 *
 * @param events events folded
 * @param bytes  their payload and metadata, in UTF-8 bytes
 * @param micros microseconds from the first event read to the last one folded
 */
public record FoldMeasure(long events, long bytes, long micros) {
    public static final FoldMeasure NONE = new FoldMeasure(0, 0, 0);

    public FoldMeasure {
        if (events < 0 || bytes < 0 || micros < 0) {
            throw new IllegalArgumentException("a fold measure cannot be negative: " + events + " events, " + bytes
                    + " bytes, " + micros + " µs");
        }
    }

    public FoldMeasure plus(FoldMeasure other) {
        return new FoldMeasure(events + other.events, bytes + other.bytes, micros + other.micros);
    }

    /** Every sum multiplied by {@code factor} (0..1): older measurements weigh less. */
    public FoldMeasure scaled(double factor) {
        return new FoldMeasure(Math.round(events * factor), Math.round(bytes * factor), Math.round(micros * factor));
    }

    @com.fasterxml.jackson.annotation.JsonIgnore
    public boolean isEmpty() {
        return events == 0;
    }
}
