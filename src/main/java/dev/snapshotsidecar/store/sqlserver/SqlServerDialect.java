package dev.snapshotsidecar.store.sqlserver;

import dev.snapshotsidecar.config.SidecarConfig;
import dev.snapshotsidecar.store.Dialect;
import dev.snapshotsidecar.store.DialectStores;

import javax.sql.DataSource;
import java.time.Duration;
import java.util.Map;

/**
 * SQL Server, 2016 SP1 or later, as {@code database.dialect: sqlserver}: registered as a {@link Dialect} service.
 * The SQL is what SQL Server runs; the contract tests also run it on H2 in MSSQLServer mode, so each statement keeps
 * to what both accept (noted where it matters). Stateless and thread-safe; {@link java.util.ServiceLoader} makes it
 * with its public no-argument constructor.
 */
public final class SqlServerDialect implements Dialect {

    @Override
    public String name() {
        return "sqlserver";
    }

    @Override
    public DialectStores stores(SidecarConfig.Database database, DataSource dataSource) {
        return new DialectStores(new SqlServerEventReader(database, dataSource),
                new SqlServerSnapshotStore(database, dataSource), new SqlServerSchema(database, dataSource),
                new SqlServerEventAppender(database, dataSource));
    }

    /** mssql-jdbc's {@code socketTimeout} is in milliseconds (H2, which the contract tests use, ignores it). */
    @Override
    public Map<String, String> driverProperties(Duration statementTimeout) {
        return Map.of("socketTimeout", Long.toString(statementTimeout.toMillis()));
    }
}
