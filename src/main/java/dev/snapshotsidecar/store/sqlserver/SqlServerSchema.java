package dev.snapshotsidecar.store.sqlserver;

import dev.snapshotsidecar.config.SidecarConfig;
import dev.snapshotsidecar.store.EventStoreSchema;
import dev.snapshotsidecar.store.UnsupportedDatabaseException;
import dev.snapshotsidecar.store.jdbc.Jdbc;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * DDL. T-SQL has no CREATE TABLE IF NOT EXISTS, and {@code IF ... EXEC} blocks do not run on H2, so existence
 * is checked through JDBC metadata and each statement runs alone ({@code CREATE SCHEMA} must be alone in its
 * batch on SQL Server). The check runs at start-up, the DDL in {@code init-db}, the demo and tests; thread-safe,
 * each call takes and returns a pooled connection.
 */
final class SqlServerSchema implements EventStoreSchema {
    private final SidecarConfig.Database db;
    private final DataSource dataSource;

    SqlServerSchema(SidecarConfig.Database db, DataSource dataSource) {
        this.db = db;
        this.dataSource = dataSource;
    }

    /** Refuses a server too old for change data capture in every edition (2016 SP1). */
    @Override
    public void checkServer() {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement();
             ResultSet row = statement.executeQuery("SELECT CAST(SERVERPROPERTY('ProductVersion') AS NVARCHAR(128)),"
                     + " CAST(SERVERPROPERTY('EngineEdition') AS INT)")) {
            row.next();
            String product = String.valueOf(row.getString(1));
            SqlServerVersion version = SqlServerVersion.parse(product, row.getInt(2)).orElseThrow(() ->
                    new UnsupportedDatabaseException("SQL Server of unreadable version " + product,
                            "SQL Server 2016 SP1 (13.0.4001) or later"));
            if (!version.supportsChangeDataCapture()) {
                throw new UnsupportedDatabaseException("SQL Server " + version,
                        "SQL Server 2016 SP1 (13.0.4001) or later, for change data capture");
            }
        } catch (SQLException e) {
            throw SqlServerErrors.classify("checking the SQL Server version", e);
        }
    }

    /** CDC on for the database and the events table, the columns captured, the Agent and the CDC jobs. */
    @Override
    public java.util.List<dev.snapshotsidecar.store.CaptureFinding> checkCapture() {
        return new SqlServerCaptureCheck(db, dataSource).check();
    }

    @Override
    public void createSnapshotsTable() {
        String t = Jdbc.table(db, db.tables().snapshots());
        createIfMissing("creating the snapshots table", db.tables().snapshots(),
                "CREATE TABLE " + t + " ("
                        + "stream_id NVARCHAR(500) NOT NULL, stream_version INT NOT NULL, "
                        + "aggregate_type NVARCHAR(500) NOT NULL, snapshot_data NVARCHAR(MAX) NOT NULL, "
                        + "schema_version INT NOT NULL DEFAULT 1, "
                        + "created_at DATETIME2 NOT NULL DEFAULT SYSUTCDATETIME(), "
                        + "CONSTRAINT PK_" + db.tables().snapshots() + " PRIMARY KEY (stream_id, stream_version))",
                "CREATE INDEX IX_" + db.tables().snapshots() + "_stream_latest ON " + t
                        + " (stream_id, stream_version DESC)");
    }

    @Override
    public void createEventsTable() {
        SidecarConfig.Columns c = db.columns();
        createIfMissing("creating the events table", db.tables().events(),
                "CREATE TABLE " + Jdbc.table(db, db.tables().events()) + " ("
                        + c.globalPosition() + " BIGINT IDENTITY(1,1) NOT NULL PRIMARY KEY, "
                        + c.streamId() + " NVARCHAR(500) NOT NULL, "
                        + c.streamVersion() + " INT NOT NULL, "
                        + c.eventType() + " NVARCHAR(500) NOT NULL, "
                        + c.eventData() + " NVARCHAR(MAX) NOT NULL, "
                        + c.metadata() + " NVARCHAR(MAX) NULL, "
                        + c.aggregateType().map(t -> t + " NVARCHAR(500) NULL, ").orElse("")
                        + c.createdAt() + " DATETIME2 NOT NULL DEFAULT SYSUTCDATETIME(), "
                        // the service's optimistic concurrency: one event per stream version
                        + "CONSTRAINT UQ_" + db.tables().events() + "_stream_version UNIQUE (" + c.streamId() + ", "
                        + c.streamVersion() + "))");
    }

    private void createIfMissing(String operation, String tableName, String... statements) {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            DatabaseMetaData meta = connection.getMetaData();
            if (!exists(meta.getSchemas(null, db.tables().schema()))) {
                statement.execute("CREATE SCHEMA " + db.tables().schema());
            }
            if (exists(meta.getTables(null, db.tables().schema(), tableName, new String[]{"TABLE"}))) {
                return;
            }
            for (String sql : statements) {
                statement.execute(sql);
            }
        } catch (SQLException e) {
            throw SqlServerErrors.classify(operation, e);
        }
    }

    private static boolean exists(ResultSet rows) throws SQLException {
        try (rows) {
            return rows.next();
        }
    }
}
