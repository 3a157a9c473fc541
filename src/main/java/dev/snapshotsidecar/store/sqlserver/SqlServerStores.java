package dev.snapshotsidecar.store.sqlserver;

import dev.snapshotsidecar.config.SidecarConfig;
import dev.snapshotsidecar.store.DialectStores;

import javax.sql.DataSource;

/**
 * Builds the SQL Server store roles over one pool. The SQL is what SQL Server 2016 SP1+ runs; the contract tests
 * also run it on H2 in MSSQLServer mode, so each statement keeps to what both accept (noted where it matters).
 */
public final class SqlServerStores {
    private SqlServerStores() {
    }

    public static DialectStores of(SidecarConfig.Database database, DataSource dataSource) {
        return new DialectStores(new SqlServerEventReader(database, dataSource),
                new SqlServerSnapshotStore(database, dataSource), new SqlServerSchema(database, dataSource),
                new SqlServerEventAppender(database, dataSource));
    }
}
