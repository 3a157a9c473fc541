package dev.snapshotsidecar.store.sqlserver;

import dev.snapshotsidecar.config.SidecarConfig;
import dev.snapshotsidecar.store.DialectStores;
import dev.snapshotsidecar.store.EventAppender;
import dev.snapshotsidecar.store.EventReader;
import dev.snapshotsidecar.store.EventStoreSchema;
import dev.snapshotsidecar.store.SnapshotStore;
import dev.snapshotsidecar.store.StoredSnapshot;
import dev.snapshotsidecar.store.UnsupportedDatabaseException;
import dev.snapshotsidecar.store.jdbc.Jdbc;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Optional;

/**
 * Builds the SQL Server store roles over one pool. The SQL is what SQL Server 2016 SP1+ runs; the contract tests
 * also run it on H2 in MSSQLServer mode, so each statement keeps to what both accept (noted where it matters).
 */
public final class SqlServerStores {
    /** Rows one DELETE removes at most, so pruning and erasure never escalate to a table lock. */
    static final int DELETE_BATCH = 500;

    private SqlServerStores() {
    }

    public static DialectStores of(SidecarConfig.Database database, DataSource dataSource) {
        return new DialectStores(new SqlServerEventReader(database, dataSource),
                new SqlServerSnapshotStore(database, dataSource), new SqlServerSchema(database, dataSource),
                new SqlServerEventAppender(database, dataSource));
    }

    static String table(SidecarConfig.Database database, String table) {
        return database.schema() + "." + table;
    }

    /**
     * Reads events in version order. The driver's default adaptive response buffering streams rows as they are
     * read, so a long tail is never held in memory; the fetch size bounds each round trip.
     */
    static final class SqlServerEventReader implements EventReader {
        private final int fetchSize;
        private final Jdbc jdbc;
        private final String sql;
        private final String lengthsSql;
        private final String lastVersionSql;
        private final boolean typeColumn;

        SqlServerEventReader(SidecarConfig.Database db, DataSource dataSource) {
            this.jdbc = new Jdbc(dataSource, SqlServerErrors::classify);
            this.fetchSize = db.fetchSize();
            SidecarConfig.Columns c = db.columns();
            this.typeColumn = c.aggregateType().isPresent();
            this.lastVersionSql = "SELECT MAX(" + c.streamVersion() + ") FROM " + table(db, db.eventsTable())
                    + " WHERE " + c.streamId() + " = ?";
            this.lengthsSql = "SELECT " + c.streamId() + ", MAX(" + c.streamVersion() + ")"
                    + c.aggregateType().map(t -> ", MAX(" + t + ")").orElse("") + " FROM " + table(db, db.eventsTable())
                    + " WHERE " + c.streamId() + " > ? GROUP BY " + c.streamId() + " ORDER BY " + c.streamId()
                    + " OFFSET 0 ROWS FETCH NEXT ? ROWS ONLY";
            this.sql = "SELECT " + c.streamVersion() + ", " + c.eventType() + ", " + c.eventData() + ", "
                    + c.metadata() + ", " + c.createdAt() + ", " + c.globalPosition() + " FROM " + table(db, db.eventsTable())
                    + " WHERE " + c.streamId() + " = ? AND " + c.streamVersion() + " BETWEEN ? AND ?"
                    + " ORDER BY " + c.streamVersion();
        }

        @Override
        public long read(String streamId, long fromVersion, long toVersion, EventSink sink) {
            // stream_version is INT: larger bounds would fail the conversion
            return jdbc.stream("reading events of " + streamId, sql, fetchSize, false,
                    row -> Jdbc.event(streamId, row), sink::accept, streamId, Math.max(Integer.MIN_VALUE, fromVersion),
                    Math.min(Integer.MAX_VALUE, toVersion));
        }

        @Override
        public java.util.OptionalLong lastVersion(String streamId) {
            return jdbc.first("reading the last version of " + streamId, lastVersionSql, row -> {
                long last = row.getLong(1);
                return row.wasNull() ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(last);
            }, streamId).orElse(java.util.OptionalLong.empty());
        }

        @Override
        public List<StreamLength> streamLengths(String afterStreamId, int limit) {
            return jdbc.list("measuring stream lengths", lengthsSql, row -> new StreamLength(row.getString(1),
                    row.getLong(2), typeColumn ? Optional.ofNullable(row.getString(3)) : Optional.empty()),
                    afterStreamId, limit);
        }
    }

    static final class SqlServerSnapshotStore implements SnapshotStore {
        private final DataSource dataSource;
        private final Jdbc jdbc;
        private final String latestSql;
        private final String saveSql;
        private final String idsSql;
        private final String latestVersionsSql;
        private final String pruneSql;
        private final String deleteAllSql;
        private final String fenceSql;
        private final String eventsRemainSql;
        private final String eraseSql;

        SqlServerSnapshotStore(SidecarConfig.Database db, DataSource dataSource) {
            this.dataSource = dataSource;
            this.jdbc = new Jdbc(dataSource, SqlServerErrors::classify);
            String t = table(db, db.snapshotsTable());
            String events = table(db, db.eventsTable());
            SidecarConfig.Columns c = db.columns();
            // REPEATABLEREAD: the shared lock on the event row is held until the save's transaction commits, so no
            // DELETE of that event commits in between; a row deleted before is not found
            fenceSql = "SELECT 1 FROM " + events + " WITH (REPEATABLEREAD) WHERE " + c.streamId() + " = ? AND "
                    + c.streamVersion() + " = ? AND (CAST(? AS BIGINT) < 0 OR " + c.globalPosition() + " = ?)";
            String remaining = "SELECT 1 FROM " + events + " WHERE " + c.streamId() + " = ? AND (CAST(? AS BIGINT) < 0"
                    + " OR " + c.globalPosition() + " <= ?)";
            eventsRemainSql = "SELECT TOP 1 1 FROM (" + remaining + ") AS r";
            eraseSql = "DELETE TOP (" + DELETE_BATCH + ") FROM " + t + " WHERE stream_id = ? AND NOT EXISTS ("
                    + remaining + ")";
            // TOP 1 ... ORDER BY stream_version DESC: served by IX_snapshots_stream_latest, as the services read it
            latestSql = "SELECT TOP 1 stream_version, aggregate_type, snapshot_data, schema_version FROM " + t
                    + " WHERE stream_id = ? AND schema_version = ? ORDER BY stream_version DESC";
            // MERGE ... WHEN NOT MATCHED THEN INSERT, as the article's repository writes. Without HOLDLOCK two
            // concurrent merges can both miss the row; the loser then hits the primary key (2627), which save()
            // counts as already written. HOLDLOCK would serialise them but takes range locks on the service's table.
            saveSql = "MERGE INTO " + t + " AS target"
                    + " USING (VALUES (?, ?, ?, ?, ?)) AS source"
                    + " (stream_id, stream_version, aggregate_type, snapshot_data, schema_version)"
                    + " ON target.stream_id = source.stream_id AND target.stream_version = source.stream_version"
                    // a row of another schema version at the same stream version (a rebuild) is replaced
                    + " WHEN MATCHED AND target.schema_version <> source.schema_version THEN UPDATE SET"
                    + " aggregate_type = source.aggregate_type, snapshot_data = source.snapshot_data,"
                    + " schema_version = source.schema_version, created_at = SYSUTCDATETIME()"
                    + " WHEN NOT MATCHED THEN INSERT (stream_id, stream_version, aggregate_type, snapshot_data,"
                    + " schema_version) VALUES (source.stream_id, source.stream_version, source.aggregate_type,"
                    + " source.snapshot_data, source.schema_version);";
            idsSql = "SELECT DISTINCT stream_id FROM " + t + " WHERE stream_id > ? ORDER BY stream_id"
                    + " OFFSET 0 ROWS FETCH NEXT ? ROWS ONLY";
            latestVersionsSql = "SELECT stream_id, MAX(stream_version), MAX(aggregate_type) FROM " + t
                    + " WHERE stream_id > ? GROUP BY stream_id ORDER BY stream_id OFFSET 0 ROWS FETCH NEXT ? ROWS ONLY";
            // DELETE TOP (n): bounded batches keep lock escalation (5,000 locks) away from the service's reads
            pruneSql = "DELETE TOP (" + DELETE_BATCH + ") FROM " + t + " WHERE stream_id = ? AND stream_version < ("
                    + "SELECT stream_version FROM " + t + " WHERE stream_id = ? ORDER BY stream_version DESC"
                    + " OFFSET ? ROWS FETCH NEXT 1 ROWS ONLY)";
            deleteAllSql = "DELETE TOP (" + DELETE_BATCH + ") FROM " + t + " WHERE stream_id = ?";
        }

        @Override
        public List<StreamVersion> latestVersions(String afterStreamId, int limit) {
            return jdbc.list("listing the latest snapshot versions", latestVersionsSql,
                    row -> new StreamVersion(row.getString(1), row.getLong(2), row.getString(3)), afterStreamId,
                    limit);
        }

        @Override
        public Erased erase(String streamId, long position) {
            if (jdbc.first("checking the events of " + streamId, eventsRemainSql, row -> true, streamId, position,
                    position).isPresent()) {
                return new Erased(true, 0);
            }
            return new Erased(false, jdbc.deleteInBatches("erasing snapshots of " + streamId, eraseSql, DELETE_BATCH,
                    streamId, streamId, position, position));
        }

        /** The fence and the MERGE in one transaction; pruning after it commits. */
        @Override
        public Saved saveAndPrune(StoredSnapshot snapshot, long eventPosition, int keep) {
            Write write;
            try (Connection connection = dataSource.getConnection()) {
                connection.setAutoCommit(false);
                try {
                    write = fencedSave(connection, snapshot, eventPosition);
                    connection.commit();
                } catch (SQLException | RuntimeException e) {
                    connection.rollback();
                    throw e;
                } finally {
                    connection.setAutoCommit(true);
                }
            } catch (SQLException e) {
                throw SqlServerErrors.classify("saving the snapshot of " + snapshot.streamId() + " at version "
                        + snapshot.version(), e);
            }
            return new Saved(write, write == Write.WRITTEN ? prune(snapshot.streamId(), keep) : 0);
        }

        private Write fencedSave(Connection connection, StoredSnapshot snapshot, long eventPosition)
                throws SQLException {
            try (PreparedStatement fence = connection.prepareStatement(fenceSql)) {
                fence.setString(1, snapshot.streamId());
                fence.setLong(2, snapshot.version());
                fence.setLong(3, eventPosition);
                fence.setLong(4, eventPosition);
                try (ResultSet row = fence.executeQuery()) {
                    if (!row.next()) {
                        return Write.EVENT_GONE;
                    }
                }
            }
            try (PreparedStatement statement = connection.prepareStatement(saveSql)) {
                bind(statement, snapshot);
                return statement.executeUpdate() == 1 ? Write.WRITTEN : Write.EXISTED;
            } catch (SQLException e) {
                if (SqlServerErrors.isDuplicateKey(e)) {
                    return Write.EXISTED; // a concurrent build wrote the same snapshot first
                }
                throw e;
            }
        }

        private static void bind(PreparedStatement statement, StoredSnapshot snapshot) throws SQLException {
            statement.setString(1, snapshot.streamId());
            statement.setLong(2, snapshot.version());
            statement.setString(3, snapshot.aggregateType());
            statement.setString(4, snapshot.data());
            statement.setInt(5, snapshot.schemaVersion());
        }

        @Override
        public int prune(String streamId, int keep) {
            return jdbc.deleteInBatches("pruning snapshots of " + streamId, pruneSql, DELETE_BATCH, streamId, streamId,
                    keep - 1);
        }

        @Override
        public int deleteAll(String streamId) {
            return jdbc.deleteInBatches("erasing snapshots of " + streamId, deleteAllSql, DELETE_BATCH, streamId);
        }

        @Override
        public Optional<StoredSnapshot> latest(String streamId, int schemaVersion) {
            return jdbc.first("loading the latest snapshot of " + streamId, latestSql, row -> new StoredSnapshot(
                    streamId, row.getLong(1), row.getString(2), row.getString(3), row.getInt(4)), streamId, schemaVersion);
        }

        @Override
        public boolean save(StoredSnapshot snapshot) {
            try (Connection connection = dataSource.getConnection();
                 PreparedStatement statement = connection.prepareStatement(saveSql)) {
                bind(statement, snapshot);
                return statement.executeUpdate() == 1;
            } catch (SQLException e) {
                if (SqlServerErrors.isDuplicateKey(e)) {
                    return false; // a concurrent build wrote the same snapshot first
                }
                throw SqlServerErrors.classify("saving the snapshot of " + snapshot.streamId() + " at version "
                        + snapshot.version(), e);
            }
        }

        @Override
        public List<String> streamIds(String afterStreamId, int limit) {
            return jdbc.list("listing streams with snapshots", idsSql, row -> row.getString(1), afterStreamId, limit);
        }
    }

    /**
     * DDL. T-SQL has no CREATE TABLE IF NOT EXISTS, and {@code IF ... EXEC} blocks do not run on H2, so existence
     * is checked through JDBC metadata and each statement runs alone ({@code CREATE SCHEMA} must be alone in its
     * batch on SQL Server).
     */
    static final class SqlServerSchema implements EventStoreSchema {
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

        @Override
        public void createSnapshotsTable() {
            String t = table(db, db.snapshotsTable());
            createIfMissing("creating the snapshots table", db.snapshotsTable(),
                    "CREATE TABLE " + t + " ("
                            + "stream_id NVARCHAR(500) NOT NULL, stream_version INT NOT NULL, "
                            + "aggregate_type NVARCHAR(500) NOT NULL, snapshot_data NVARCHAR(MAX) NOT NULL, "
                            + "schema_version INT NOT NULL DEFAULT 1, "
                            + "created_at DATETIME2 NOT NULL DEFAULT SYSUTCDATETIME(), "
                            + "CONSTRAINT PK_" + db.snapshotsTable() + " PRIMARY KEY (stream_id, stream_version))",
                    "CREATE INDEX IX_" + db.snapshotsTable() + "_stream_latest ON " + t
                            + " (stream_id, stream_version DESC)");
        }

        @Override
        public void createEventsTable() {
            SidecarConfig.Columns c = db.columns();
            createIfMissing("creating the events table", db.eventsTable(),
                    "CREATE TABLE " + table(db, db.eventsTable()) + " ("
                            + c.globalPosition() + " BIGINT IDENTITY(1,1) NOT NULL PRIMARY KEY, "
                            + c.streamId() + " NVARCHAR(500) NOT NULL, "
                            + c.streamVersion() + " INT NOT NULL, "
                            + c.eventType() + " NVARCHAR(500) NOT NULL, "
                            + c.eventData() + " NVARCHAR(MAX) NOT NULL, "
                            + c.metadata() + " NVARCHAR(MAX) NULL, "
                            + c.aggregateType().map(t -> t + " NVARCHAR(500) NULL, ").orElse("")
                            + c.createdAt() + " DATETIME2 NOT NULL DEFAULT SYSUTCDATETIME(), "
                            // the service's optimistic concurrency: one event per stream version
                            + "CONSTRAINT UQ_" + db.eventsTable() + "_stream_version UNIQUE (" + c.streamId() + ", "
                            + c.streamVersion() + "))");
        }

        private void createIfMissing(String operation, String tableName, String... statements) {
            try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
                DatabaseMetaData meta = connection.getMetaData();
                if (!exists(meta.getSchemas(null, db.schema()))) {
                    statement.execute("CREATE SCHEMA " + db.schema());
                }
                if (exists(meta.getTables(null, db.schema(), tableName, new String[]{"TABLE"}))) {
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

    static final class SqlServerEventAppender implements EventAppender {
        private final DataSource dataSource;
        private final String sql;

        SqlServerEventAppender(SidecarConfig.Database db, DataSource dataSource) {
            this.dataSource = dataSource;
            SidecarConfig.Columns c = db.columns();
            this.sql = "INSERT INTO " + table(db, db.eventsTable()) + " (" + c.streamId() + ", " + c.streamVersion()
                    + ", " + c.eventType() + ", " + c.eventData() + ") VALUES (?, ?, ?, ?)";
        }

        @Override
        public void append(List<NewEvent> events) {
            try (Connection connection = dataSource.getConnection()) {
                connection.setAutoCommit(false);
                try (PreparedStatement statement = connection.prepareStatement(sql)) {
                    for (NewEvent event : events) {
                        statement.setString(1, event.streamId());
                        statement.setLong(2, event.version());
                        statement.setString(3, event.eventType());
                        statement.setString(4, event.data());
                        statement.addBatch();
                    }
                    statement.executeBatch();
                    connection.commit();
                } catch (SQLException e) {
                    connection.rollback();
                    throw e;
                }
            } catch (SQLException e) {
                throw SqlServerErrors.classify("appending " + events.size() + " events", e);
            }
        }
    }

}
