/** Turns Debezium change events of the events table (PostgreSQL and SQL Server envelopes, schemas on or off, or flattened) into dialect-neutral {@link dev.snapshotsidecar.ingest.AppendedEvent}s. */
package dev.snapshotsidecar.ingest;
