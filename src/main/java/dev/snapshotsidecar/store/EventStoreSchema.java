package dev.snapshotsidecar.store;

/** Creates the tables, idempotently: running it twice changes nothing. */
public interface EventStoreSchema {

    /** Creates the schema and the snapshots table with its index. */
    void createSnapshotsTable();

    /** Creates the events table, for stacks and tests where the service has not. */
    void createEventsTable();
}
