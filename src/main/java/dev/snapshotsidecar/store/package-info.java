/** The event store as the sidecar sees it: {@link dev.snapshotsidecar.store.EventReader}, {@link dev.snapshotsidecar.store.SnapshotStore} and the other roles, made by the {@link dev.snapshotsidecar.store.Dialect} each dialect package registers and {@link dev.snapshotsidecar.store.DialectStores} finds by name. */
package dev.snapshotsidecar.store;
