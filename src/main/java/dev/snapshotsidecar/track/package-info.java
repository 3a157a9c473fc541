/** The Kafka Streams topology that keeps one {@link dev.snapshotsidecar.track.StreamHead} per stream and requests a snapshot when the aggregate type's {@link dev.snapshotsidecar.track.SnapshotPolicy} says one is due. */
package dev.snapshotsidecar.track;
