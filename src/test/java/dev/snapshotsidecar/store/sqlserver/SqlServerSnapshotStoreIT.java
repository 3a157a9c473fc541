package dev.snapshotsidecar.store.sqlserver;

import dev.snapshotsidecar.store.DialectStores;
import dev.snapshotsidecar.store.SnapshotStoreContract;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** The snapshot store contract with the SQL Server dialect's SQL, on H2 in MSSQLServer mode. */
class SqlServerSnapshotStoreIT extends SnapshotStoreContract {
    SqlServerDatabase database;

    @BeforeEach
    void create() {
        database = SqlServerDatabase.h2();
    }

    @AfterEach
    void close() {
        database.close();
    }

    @Override
    protected DialectStores stores() {
        return database.stores();
    }
}
