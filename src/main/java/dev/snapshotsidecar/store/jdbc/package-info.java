/** Plain JDBC plumbing the dialects share: statements on a pooled connection, errors classified by the dialect. */
package dev.snapshotsidecar.store.jdbc;
