package dev.snapshotsidecar.fault;

/**
 * One fault injected: what, when (epoch millis), and how the pipeline caught up after it.
 *
 * @param kind      one of {@link FaultRun#KINDS}, or {@code baseline} (no fault: how fast the pipeline catches up
 *                  under the same load)
 * @param what      the details, e.g. "sidecar-1.g2 killed (SIGKILL), state directory deleted"
 * @param startedAt when the fault began
 * @param endedAt   when it was lifted (equal to startedAt for instantaneous faults)
 * @param recovery  the catch-up measured from endedAt
 */
record FaultRecord(String kind, String what, long startedAt, long endedAt, Catchup.Result recovery) {
}
