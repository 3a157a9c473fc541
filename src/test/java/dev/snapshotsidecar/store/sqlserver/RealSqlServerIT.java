package dev.snapshotsidecar.store.sqlserver;

import dev.snapshotsidecar.store.DialectStores;
import dev.snapshotsidecar.store.EventReaderContract;
import dev.snapshotsidecar.store.SnapshotStoreContract;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThatCode;

/**
 * Both store contracts, and the server check, on a real SQL Server 2022 from Testcontainers. Skipped, saying why,
 * where no Docker engine answers (the machines this project is built on have none).
 */
class RealSqlServerIT {
    static final String SKIP = "no Docker engine answers here, so no real SQL Server can run: the SQL Server "
            + "dialect's SQL ran on H2 in MSSQLServer mode instead (SqlServerSnapshotStoreIT, SqlServerEventReaderIT)";

    @BeforeEach
    void requireDocker() {
        Assumptions.assumeTrue(SqlServerDatabase.dockerAvailable(), SKIP);
    }

    @Test
    @DisplayName("SQL Server 2022 passes the start-up version check")
    void serverCheck() {
        try (SqlServerDatabase database = SqlServerDatabase.container()) {
            assertThatCode(() -> database.stores().schema().checkServer()).doesNotThrowAnyException();
        }
    }

    @Nested
    class SnapshotStoreOnSqlServer extends SnapshotStoreContract {
        SqlServerDatabase database;

        @BeforeEach
        void create() {
            database = SqlServerDatabase.container();
        }

        @AfterEach
        void close() {
            if (database != null) { // null when the assumption skipped the test
                database.close();
            }
        }

        @Override
        protected DialectStores stores() {
            return database.stores();
        }
    }

    @Nested
    class EventReaderOnSqlServer extends EventReaderContract {
        SqlServerDatabase database;

        @BeforeEach
        void create() {
            database = SqlServerDatabase.container();
        }

        @AfterEach
        void close() {
            if (database != null) { // null when the assumption skipped the test
                database.close();
            }
        }

        @Override
        protected DialectStores stores() {
            return database.stores();
        }
    }
}
