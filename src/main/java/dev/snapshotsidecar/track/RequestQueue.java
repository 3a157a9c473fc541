package dev.snapshotsidecar.track;

/**
 * What the tracker may know of the snapshot worker's queue: whether every request sent to a stream's partition of
 * the requests topic up to a time has been taken and answered (the worker commits a request's offset only after its
 * result is published). The tracker asks a pending request again only then, so a request still waiting in the queue
 * is never duplicated. Implementations answer from memory: called on a stream thread, they never block.
 */
public interface RequestQueue {

    /**
     * @param streamId    the stream, which names the partition
     * @param sentAtMillis when the request was sent, on the tracker's clock
     * @return true when the worker is known to have answered every request sent there by then
     */
    boolean answered(String streamId, long sentAtMillis);

    /**
     * How many request timeouts a pending request waits at most for word of the queue before it is asked again all
     * the same (the queue cannot be read): a duplicate of a request still queued then costs the worker nothing once
     * the first is built.
     */
    int FALLBACK_TIMEOUTS = 6;

    /** Knows nothing of the queue and lets the timeout alone decide: for tools and tests of the timeout. */
    RequestQueue TIMEOUT_ONLY = (streamId, sentAtMillis) -> true;
}
