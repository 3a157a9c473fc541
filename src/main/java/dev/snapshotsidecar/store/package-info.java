/** The event store as the sidecar sees it: {@link dev.snapshotsidecar.store.EventReader} and {@link dev.snapshotsidecar.store.SnapshotStore}, with one package per SQL dialect. */
package dev.snapshotsidecar.store;
