/**
 * The demo, a build of its own beside the product: the sidecar on an embedded stack (PostgreSQL, a Kafka broker,
 * Kafka Connect running Debezium) in one JVM, a clinical workload, and the summary a newcomer reads.
 */
package dev.snapshotsidecar.demo;
