package dev.snapshotsidecar.store.sqlserver;

import dev.snapshotsidecar.config.SidecarConfig;
import dev.snapshotsidecar.store.StoredSnapshot;
import dev.snapshotsidecar.store.jdbc.Jdbc;
import dev.snapshotsidecar.store.jdbc.JdbcSnapshotStore;
import dev.snapshotsidecar.store.jdbc.Sql;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

import static dev.snapshotsidecar.store.jdbc.Sql.Param.AFTER_STREAM_ID;
import static dev.snapshotsidecar.store.jdbc.Sql.Param.AGGREGATE_TYPE;
import static dev.snapshotsidecar.store.jdbc.Sql.Param.KEEP_OFFSET;
import static dev.snapshotsidecar.store.jdbc.Sql.Param.LIMIT;
import static dev.snapshotsidecar.store.jdbc.Sql.Param.POSITION;
import static dev.snapshotsidecar.store.jdbc.Sql.Param.SCHEMA_VERSION;
import static dev.snapshotsidecar.store.jdbc.Sql.Param.STREAM_ID;
import static dev.snapshotsidecar.store.jdbc.Sql.Param.VERSION;

/**
 * The snapshots table on SQL Server: {@code TOP} and {@code OFFSET ... FETCH} pages, {@code MERGE} writes,
 * {@code DELETE TOP} batches, and {@link #saveAndPrune} as a {@code REPEATABLEREAD} fence and the MERGE in one
 * transaction. Made once per pool; thread-safe.
 */
final class SqlServerSnapshotStore extends JdbcSnapshotStore {
    private final String fenceSql;

    SqlServerSnapshotStore(SidecarConfig.Database db, DataSource dataSource) {
        super(dataSource, SqlServerErrors::classify, saveSql(db), reads(db), deletes(db));
        SidecarConfig.Columns c = db.columns();
        // REPEATABLEREAD: the shared lock on the event row is held until the save's transaction commits, so no
        // DELETE of that event commits in between; a row deleted before is not found
        fenceSql = "SELECT 1 FROM " + Jdbc.table(db, db.tables().events()) + " WITH (REPEATABLEREAD) WHERE "
                + c.streamId() + " = ? AND " + c.streamVersion() + " = ? AND (CAST(? AS BIGINT) < 0 OR "
                + c.globalPosition() + " = ?)";
    }

    private static String saveSql(SidecarConfig.Database db) {
        // MERGE ... WHEN NOT MATCHED THEN INSERT, as the article's repository writes. Without HOLDLOCK two
        // concurrent merges can both miss the row; the loser then hits the primary key (2627), which save()
        // counts as already written. HOLDLOCK would serialise them but takes range locks on the service's table.
        return "MERGE INTO " + Jdbc.table(db, db.tables().snapshots()) + " AS target"
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
    }

    private static Reads reads(SidecarConfig.Database db) {
        String t = Jdbc.table(db, db.tables().snapshots());
        return new Reads(
                // TOP 1 ... ORDER BY stream_version DESC: served by IX_snapshots_stream_latest, as the services read it
                Sql.of("SELECT TOP 1 stream_version, aggregate_type, snapshot_data, schema_version FROM " + t
                        + " WHERE stream_id = ? AND schema_version = ? ORDER BY stream_version DESC",
                        STREAM_ID, SCHEMA_VERSION),
                Sql.of("SELECT DISTINCT stream_id FROM " + t + " WHERE stream_id > ? ORDER BY stream_id"
                        + " OFFSET 0 ROWS FETCH NEXT ? ROWS ONLY", AFTER_STREAM_ID, LIMIT),
                Sql.of("SELECT stream_id, MAX(stream_version), MAX(aggregate_type) FROM " + t
                        + " WHERE stream_id > ? GROUP BY stream_id ORDER BY stream_id"
                        + " OFFSET 0 ROWS FETCH NEXT ? ROWS ONLY",
                        AFTER_STREAM_ID, LIMIT),
                inventory(t));
    }

    private static Inventory inventory(String t) {
        // DATALENGTH: the data's size in bytes as stored, two per character in NVARCHAR
        String columns = "SELECT stream_id, stream_version, schema_version, aggregate_type, DATALENGTH(snapshot_data),"
                + " created_at FROM " + t;
        return new Inventory(
                Sql.of(columns + " WHERE stream_id = ? ORDER BY stream_version DESC", STREAM_ID),
                Sql.of("SELECT stream_version, aggregate_type, snapshot_data, schema_version FROM " + t
                        + " WHERE stream_id = ? AND stream_version = ?", STREAM_ID, VERSION),
                // T-SQL has no row value comparison: the keyset page is spelt out, a seek on the primary key
                Sql.of(columns + " WHERE aggregate_type = ? AND (stream_id > ? OR (stream_id = ? AND stream_version"
                        + " > ?)) ORDER BY stream_id, stream_version OFFSET 0 ROWS FETCH NEXT ? ROWS ONLY",
                        AGGREGATE_TYPE, AFTER_STREAM_ID, AFTER_STREAM_ID, VERSION, LIMIT));
    }

    private static Deletes deletes(SidecarConfig.Database db) {
        String t = Jdbc.table(db, db.tables().snapshots());
        SidecarConfig.Columns c = db.columns();
        String remaining = "SELECT 1 FROM " + Jdbc.table(db, db.tables().events()) + " WHERE " + c.streamId()
                + " = ? AND (CAST(? AS BIGINT) < 0 OR " + c.globalPosition() + " <= ?)";
        return new Deletes(
                // DELETE TOP (n): bounded batches keep lock escalation (5,000 locks) away from the service's reads
                Sql.of("DELETE TOP (" + DELETE_BATCH + ") FROM " + t + " WHERE stream_id = ? AND stream_version < ("
                        + "SELECT stream_version FROM " + t + " WHERE stream_id = ? ORDER BY stream_version DESC"
                        + " OFFSET ? ROWS FETCH NEXT 1 ROWS ONLY)", STREAM_ID, STREAM_ID, KEEP_OFFSET),
                Sql.of("DELETE TOP (" + DELETE_BATCH + ") FROM " + t + " WHERE stream_id = ?", STREAM_ID),
                Sql.of("SELECT TOP 1 1 FROM (" + remaining + ") AS r", STREAM_ID, POSITION, POSITION),
                Sql.of("DELETE TOP (" + DELETE_BATCH + ") FROM " + t + " WHERE stream_id = ? AND NOT EXISTS ("
                        + remaining + ")", STREAM_ID, STREAM_ID, POSITION, POSITION),
                Sql.of("DELETE FROM " + t + " WHERE stream_id = ? AND stream_version > (SELECT MAX("
                        + c.streamVersion() + ") FROM " + Jdbc.table(db, db.tables().events()) + " WHERE "
                        + c.streamId() + " = ?)", STREAM_ID, STREAM_ID));
    }

    /** DATETIME2 has no zone; the table's default writes SYSUTCDATETIME(), so it is read as UTC. */
    @Override
    protected java.time.Instant createdAt(ResultSet row, int column) throws SQLException {
        java.time.LocalDateTime at = row.getObject(column, java.time.LocalDateTime.class);
        return at == null ? java.time.Instant.EPOCH : at.toInstant(java.time.ZoneOffset.UTC);
    }

    /** Duplicate key: two MERGEs without HOLDLOCK both missed the row, and this one lost. */
    @Override
    protected boolean isDuplicateKey(SQLException e) {
        return SqlServerErrors.isDuplicateKey(e);
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
            throw SqlServerErrors.classify(saving(snapshot), e);
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
            bindRow(statement, 1, snapshot);
            return statement.executeUpdate() == 1 ? Write.WRITTEN : Write.EXISTED;
        } catch (SQLException e) {
            if (isDuplicateKey(e)) {
                return Write.EXISTED; // a concurrent build wrote the same snapshot first
            }
            throw e;
        }
    }
}
