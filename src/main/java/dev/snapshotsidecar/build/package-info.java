/** Builds snapshots off the request path: a worker consumes requests with bounded concurrency and a builder folds the events after the latest snapshot, read from the database. */
package dev.snapshotsidecar.build;
