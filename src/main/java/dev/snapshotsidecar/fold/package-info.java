/**
 * How a stream's state is computed: the {@link dev.snapshotsidecar.fold.Fold} abstraction every kind implements, and
 * the Java kind (the {@link dev.snapshotsidecar.fold.Aggregator} contract and its plugin loader); the HTTP and JSONata
 * kinds are in {@code fold/http} and {@code fold/jsonata}. No Kafka, no JDBC.
 */
package dev.snapshotsidecar.fold;
