/** The demo: an embedded stack (PostgreSQL, a Kafka broker, Kafka Connect running Debezium) in one JVM, a clinical workload, and the summary a newcomer reads. */
package dev.snapshotsidecar.demo;
