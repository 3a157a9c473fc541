package dev.snapshotsidecar.store.sqlserver;

import dev.snapshotsidecar.store.DialectStores;
import dev.snapshotsidecar.store.EventReaderContract;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** The event reader contract with the SQL Server dialect's SQL, on H2 in MSSQLServer mode. */
class SqlServerEventReaderIT extends EventReaderContract {
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
