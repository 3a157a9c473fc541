package dev.snapshotsidecar.observe;

/**
 * The "measure first" rule of the article this project starts from: p95 stream length under 200, snapshots are
 * premature; over 500, necessary; in between, a judgement, with the numbers behind it.
 */
public enum Recommendation {
    PREMATURE, JUDGEMENT, NECESSARY;

    public static Recommendation forP95(long p95) {
        return p95 < 200 ? PREMATURE : p95 > 500 ? NECESSARY : JUDGEMENT;
    }

    /** The sentence a person reads. */
    public String explain(long p95, double replayP95Millis) {
        return switch (this) {
            case PREMATURE -> "p95 stream length " + p95 + " is under 200: snapshots are premature optimisation here";
            case NECESSARY -> "p95 stream length " + p95 + " is over 500: snapshots are necessary";
            case JUDGEMENT -> String.format("p95 stream length %d is between 200 and 500: a judgement; a p95 replay "
                    + "costs about %.1f ms here, worth snapshots if that shows in your read latency", p95, replayP95Millis);
        };
    }
}
