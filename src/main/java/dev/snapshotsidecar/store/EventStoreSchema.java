package dev.snapshotsidecar.store;

/** The database itself: whether its server fits, and its tables, created idempotently. */
public interface EventStoreSchema {

    /**
     * Checks that the server can serve the sidecar and its change data capture.
     *
     * @throws UnsupportedDatabaseException when it cannot, saying what is needed
     * @throws StoreException when it cannot be asked
     */
    void checkServer();

    /** Creates the schema and the snapshots table with its index. */
    void createSnapshotsTable();

    /** Creates the events table, for stacks and tests where the service has not. */
    void createEventsTable();
}
