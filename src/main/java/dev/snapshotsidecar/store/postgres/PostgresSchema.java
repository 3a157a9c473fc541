package dev.snapshotsidecar.store.postgres;

import dev.snapshotsidecar.config.SidecarConfig;
import dev.snapshotsidecar.store.EventStoreSchema;
import dev.snapshotsidecar.store.UnsupportedDatabaseException;
import dev.snapshotsidecar.store.jdbc.Jdbc;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The server check and DDL on PostgreSQL, where {@code IF NOT EXISTS} keeps the DDL idempotent. The check runs at
 * start-up, the DDL in {@code init-db}, the demo and tests; thread-safe, each call takes and returns a pooled
 * connection.
 */
final class PostgresSchema implements EventStoreSchema {
    private final SidecarConfig.Database db;
    private final DataSource dataSource;

    PostgresSchema(SidecarConfig.Database db, DataSource dataSource) {
        this.db = db;
        this.dataSource = dataSource;
    }

    /** PostgreSQL 10 or later: the first with the pgoutput plugin Debezium uses. */
    @Override
    public void checkServer() {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement();
             ResultSet row = statement.executeQuery("SHOW server_version_num")) {
            row.next();
            int version = Integer.parseInt(row.getString(1).trim());
            if (version < 100_000) {
                throw new UnsupportedDatabaseException("PostgreSQL " + version,
                        "PostgreSQL 10 or later, for logical decoding with pgoutput");
            }
        } catch (SQLException e) {
            throw PostgresErrors.classify("checking the PostgreSQL version", e);
        }
    }

    @Override
    public void createSnapshotsTable() {
        execute("creating the snapshots table",
                "CREATE SCHEMA IF NOT EXISTS " + db.tables().schema(),
                "CREATE TABLE IF NOT EXISTS " + Jdbc.table(db, db.tables().snapshots()) + " ("
                        + "stream_id VARCHAR(500) NOT NULL, stream_version INT NOT NULL, "
                        + "aggregate_type VARCHAR(500) NOT NULL, snapshot_data TEXT NOT NULL, "
                        + "schema_version INT NOT NULL DEFAULT 1, "
                        + "created_at TIMESTAMPTZ NOT NULL DEFAULT now(), "
                        + "CONSTRAINT pk_" + db.tables().snapshots() + " PRIMARY KEY (stream_id, stream_version))");
        // no separate (stream_id, stream_version DESC) index as on SQL Server: PostgreSQL scans the primary
        // key backwards for ORDER BY stream_version DESC LIMIT 1
    }

    @Override
    public void createEventsTable() {
        SidecarConfig.Columns c = db.columns();
        execute("creating the events table",
                "CREATE SCHEMA IF NOT EXISTS " + db.tables().schema(),
                "CREATE TABLE IF NOT EXISTS " + Jdbc.table(db, db.tables().events()) + " ("
                        + c.globalPosition() + " BIGSERIAL PRIMARY KEY, "
                        + c.streamId() + " VARCHAR(500) NOT NULL, "
                        + c.streamVersion() + " INT NOT NULL, "
                        + c.eventType() + " VARCHAR(500) NOT NULL, "
                        + c.eventData() + " JSONB NOT NULL, "
                        + c.metadata() + " JSONB, "
                        + c.aggregateType().map(t -> t + " VARCHAR(500), ").orElse("")
                        + c.createdAt() + " TIMESTAMPTZ NOT NULL DEFAULT now(), "
                        // the service's optimistic concurrency: one event per stream version
                        + "CONSTRAINT uq_" + db.tables().events() + "_stream_version UNIQUE (" + c.streamId() + ", "
                        + c.streamVersion() + "))",
                // deletes must carry the stream id for erasure: PostgreSQL's default image holds only the key
                "ALTER TABLE " + Jdbc.table(db, db.tables().events()) + " REPLICA IDENTITY FULL");
    }

    private void execute(String operation, String... statements) {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            for (String sql : statements) {
                statement.execute(sql);
            }
        } catch (SQLException e) {
            throw PostgresErrors.classify(operation, e);
        }
    }
}
