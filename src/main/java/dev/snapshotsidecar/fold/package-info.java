/** How a stream's state is computed: the {@link dev.snapshotsidecar.fold.Aggregator} contract and its plugin loader; no Kafka, no JDBC. */
package dev.snapshotsidecar.fold;
