/**
 * The tracker: the Kafka Streams topology that keeps one {@link dev.snapshotsidecar.track.StreamHead} per stream and
 * requests a snapshot when its aggregate type's {@link dev.snapshotsidecar.track.policy.SnapshotPolicy} says one is
 * due; what outside it reads of the heads ({@link dev.snapshotsidecar.track.HeadsQuery}) and sends to it.
 */
package dev.snapshotsidecar.track;
