/** What the dialects share: the JDBC store roles each configures with its SQL, and statements run on a pooled connection with failures classified by the dialect. */
package dev.snapshotsidecar.store.jdbc;
