package dev.snapshotsidecar.store.sqlserver;

import dev.snapshotsidecar.config.SidecarConfig;
import dev.snapshotsidecar.store.SnapshotStore;
import dev.snapshotsidecar.store.StoredSnapshot;
import dev.snapshotsidecar.store.jdbc.Jdbc;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

final class SqlServerSnapshotStore implements SnapshotStore {
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
        String t = SqlServerStores.table(db, db.snapshotsTable());
        String events = SqlServerStores.table(db, db.eventsTable());
        SidecarConfig.Columns c = db.columns();
        // REPEATABLEREAD: the shared lock on the event row is held until the save's transaction commits, so no
        // DELETE of that event commits in between; a row deleted before is not found
        fenceSql = "SELECT 1 FROM " + events + " WITH (REPEATABLEREAD) WHERE " + c.streamId() + " = ? AND "
                + c.streamVersion() + " = ? AND (CAST(? AS BIGINT) < 0 OR " + c.globalPosition() + " = ?)";
        String remaining = "SELECT 1 FROM " + events + " WHERE " + c.streamId() + " = ? AND (CAST(? AS BIGINT) < 0"
                + " OR " + c.globalPosition() + " <= ?)";
        eventsRemainSql = "SELECT TOP 1 1 FROM (" + remaining + ") AS r";
        eraseSql = "DELETE TOP (" + SqlServerStores.DELETE_BATCH + ") FROM " + t + " WHERE stream_id = ? AND NOT EXISTS ("
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
        pruneSql = "DELETE TOP (" + SqlServerStores.DELETE_BATCH + ") FROM " + t + " WHERE stream_id = ? AND stream_version < ("
                + "SELECT stream_version FROM " + t + " WHERE stream_id = ? ORDER BY stream_version DESC"
                + " OFFSET ? ROWS FETCH NEXT 1 ROWS ONLY)";
        deleteAllSql = "DELETE TOP (" + SqlServerStores.DELETE_BATCH + ") FROM " + t + " WHERE stream_id = ?";
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
        return new Erased(false, jdbc.deleteInBatches("erasing snapshots of " + streamId, eraseSql, SqlServerStores.DELETE_BATCH,
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
        return jdbc.deleteInBatches("pruning snapshots of " + streamId, pruneSql, SqlServerStores.DELETE_BATCH, streamId, streamId,
                keep - 1);
    }

    @Override
    public int deleteAll(String streamId) {
        return jdbc.deleteInBatches("erasing snapshots of " + streamId, deleteAllSql, SqlServerStores.DELETE_BATCH, streamId);
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
