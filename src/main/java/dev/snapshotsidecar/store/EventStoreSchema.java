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

    /**
     * Checks, where the database can say, that its change data capture delivers what the sidecar needs; called at
     * start-up, after {@link #checkServer()}. A dialect that has nothing to check finds nothing.
     *
     * @return what was found, problems first; never throws for what it could not check (that is a warning)
     * @throws StoreException when the database cannot be asked at all
     */
    default java.util.List<CaptureFinding> checkCapture() {
        return java.util.List.of();
    }

    /** Creates the schema and the snapshots table with its index. */
    void createSnapshotsTable();

    /** Creates the events table, for stacks and tests where the service has not. */
    void createEventsTable();
}
