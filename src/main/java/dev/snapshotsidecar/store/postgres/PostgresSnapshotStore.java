package dev.snapshotsidecar.store.postgres;

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

final class PostgresSnapshotStore implements SnapshotStore {
    private final DataSource dataSource;
    private final Jdbc jdbc;
    private final String latestSql;
    private final String saveSql;
    private final String idsSql;
    private final String latestVersionsSql;
    private final String pruneSql;
    private final String saveAndPruneSql;
    private final String deleteAllSql;
    private final String eventsRemainSql;
    private final String eraseSql;

    PostgresSnapshotStore(SidecarConfig.Database db, DataSource dataSource) {
        this.dataSource = dataSource;
        this.jdbc = new Jdbc(dataSource, PostgresErrors::classify);
        String t = PostgresStores.table(db, db.snapshotsTable());
        String events = PostgresStores.table(db, db.eventsTable());
        SidecarConfig.Columns c = db.columns();
        latestSql = "SELECT stream_version, aggregate_type, snapshot_data, schema_version FROM " + t
                + " WHERE stream_id = ? AND schema_version = ? ORDER BY stream_version DESC LIMIT 1";
        // ON CONFLICT: a duplicate request, or two builders racing, write one row and both succeed; a row of
        // another schema version at the same stream version (a rebuild) is replaced, and counts as written
        saveSql = "INSERT INTO " + t + " AS s (stream_id, stream_version, aggregate_type, snapshot_data, schema_version)"
                + " VALUES (?, ?, ?, ?, ?) ON CONFLICT (stream_id, stream_version) DO UPDATE SET"
                + " aggregate_type = EXCLUDED.aggregate_type, snapshot_data = EXCLUDED.snapshot_data,"
                + " schema_version = EXCLUDED.schema_version, created_at = now()"
                + " WHERE s.schema_version <> EXCLUDED.schema_version";
        idsSql = "SELECT DISTINCT stream_id FROM " + t + " WHERE stream_id > ? ORDER BY stream_id LIMIT ?";
        latestVersionsSql = "SELECT stream_id, MAX(stream_version), MAX(aggregate_type) FROM " + t
                + " WHERE stream_id > ? GROUP BY stream_id ORDER BY stream_id LIMIT ?";
        // PostgreSQL's DELETE has no LIMIT: the batch is chosen by a subquery on the primary key
        pruneSql = "DELETE FROM " + t + " WHERE stream_id = ? AND stream_version IN (SELECT stream_version FROM " + t
                + " WHERE stream_id = ? AND stream_version < (SELECT stream_version FROM " + t
                + " WHERE stream_id = ? ORDER BY stream_version DESC OFFSET ? LIMIT 1)"
                + " ORDER BY stream_version LIMIT " + PostgresStores.DELETE_BATCH + ")";
        // save and prune in one round trip. The fence selects the event at the snapshot's version (and position,
        // unless the parameter is negative) FOR KEY SHARE: a DELETE of that row waits for this statement, and a
        // row deleted before it is not found, so a snapshot is never written for events that are gone. The
        // DELETE of older snapshots sees the table as it was before the INSERT, so it keeps the newest keep-1
        // older rows, and only when the new row is the newest (else saveAndPrune prunes after)
        String fenced = "SELECT 1 FROM " + events + " WHERE " + c.streamId() + " = ? AND " + c.streamVersion()
                + " = ? AND (CAST(? AS BIGINT) < 0 OR " + c.globalPosition() + " = ?) FOR KEY SHARE";
        saveAndPruneSql = "WITH fence AS (" + fenced + "),"
                + " before AS (SELECT COALESCE(MAX(stream_version), -1) AS newest FROM " + t
                + " WHERE stream_id = ?), saved AS (INSERT INTO " + t + " AS s (stream_id, stream_version,"
                + " aggregate_type, snapshot_data, schema_version) SELECT ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM"
                + " fence) ON CONFLICT (stream_id, stream_version) DO UPDATE SET"
                + " aggregate_type = EXCLUDED.aggregate_type, snapshot_data = EXCLUDED.snapshot_data,"
                + " schema_version = EXCLUDED.schema_version, created_at = now()"
                + " WHERE s.schema_version <> EXCLUDED.schema_version RETURNING s.stream_version),"
                + " pruned AS (DELETE FROM " + t + " WHERE stream_id = ? AND stream_version IN (SELECT stream_version"
                + " FROM " + t + " WHERE stream_id = ? ORDER BY stream_version DESC OFFSET ? LIMIT " + PostgresStores.DELETE_BATCH
                + ") AND EXISTS (SELECT 1 FROM saved) AND ? > (SELECT newest FROM before) RETURNING 1)"
                + " SELECT (SELECT COUNT(*) FROM saved), (SELECT COUNT(*) FROM pruned), (SELECT newest FROM before),"
                + " (SELECT COUNT(*) FROM fence)";
        // erasure: events of the incarnation at or below the position (any event, when it is negative)
        String remaining = "SELECT 1 FROM " + events + " WHERE " + c.streamId() + " = ? AND (CAST(? AS BIGINT) < 0"
                + " OR " + c.globalPosition() + " <= ?)";
        eventsRemainSql = remaining + " LIMIT 1";
        eraseSql = "DELETE FROM " + t + " WHERE stream_id = ? AND stream_version IN (SELECT stream_version FROM "
                + t + " WHERE stream_id = ? LIMIT " + PostgresStores.DELETE_BATCH + ") AND NOT EXISTS (" + remaining + ")";
        deleteAllSql = "DELETE FROM " + t + " WHERE stream_id = ? AND stream_version IN (SELECT stream_version FROM "
                + t + " WHERE stream_id = ? LIMIT " + PostgresStores.DELETE_BATCH + ")";
    }

    @Override
    public List<StreamVersion> latestVersions(String afterStreamId, int limit) {
        return jdbc.list("listing the latest snapshot versions", latestVersionsSql,
                row -> new StreamVersion(row.getString(1), row.getLong(2), row.getString(3)), afterStreamId,
                limit);
    }

    @Override
    public int prune(String streamId, int keep) {
        return jdbc.deleteInBatches("pruning snapshots of " + streamId, pruneSql, PostgresStores.DELETE_BATCH, streamId, streamId,
                streamId, keep - 1);
    }

    @Override
    public Erased erase(String streamId, long position) {
        if (jdbc.first("checking the events of " + streamId, eventsRemainSql, row -> true, streamId, position,
                position).isPresent()) {
            return new Erased(true, 0);
        }
        return new Erased(false, jdbc.deleteInBatches("erasing snapshots of " + streamId, eraseSql, PostgresStores.DELETE_BATCH,
                streamId, streamId, streamId, position, position));
    }

    @Override
    public int deleteAll(String streamId) {
        return jdbc.deleteInBatches("erasing snapshots of " + streamId, deleteAllSql, PostgresStores.DELETE_BATCH, streamId,
                streamId);
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
            bindRow(statement, 1, snapshot);
            return statement.executeUpdate() == 1;
        } catch (SQLException e) {
            throw PostgresErrors.classify("saving the snapshot of " + snapshot.streamId() + " at version "
                    + snapshot.version(), e);
        }
    }

    /** The five values of a snapshot row, in saveSql's order, from parameter {@code first} on. */
    private static void bindRow(PreparedStatement statement, int first, StoredSnapshot snapshot)
            throws SQLException {
        statement.setString(first, snapshot.streamId());
        statement.setLong(first + 1, snapshot.version());
        statement.setString(first + 2, snapshot.aggregateType());
        statement.setString(first + 3, snapshot.data());
        statement.setInt(first + 4, snapshot.schemaVersion());
    }

    @Override
    public Saved saveAndPrune(StoredSnapshot snapshot, long eventPosition, int keep) {
        String streamId = snapshot.streamId();
        long written;
        int pruned;
        long newestBefore;
        long fenced;
        try (Connection connection = dataSource.getConnection();
             PreparedStatement statement = connection.prepareStatement(saveAndPruneSql)) {
            statement.setString(1, streamId);
            statement.setLong(2, snapshot.version());
            statement.setLong(3, eventPosition);
            statement.setLong(4, eventPosition);
            statement.setString(5, streamId);
            bindRow(statement, 6, snapshot);
            statement.setString(11, streamId);
            statement.setString(12, streamId);
            statement.setInt(13, keep - 1);
            statement.setLong(14, snapshot.version());
            try (ResultSet row = statement.executeQuery()) {
                row.next();
                written = row.getLong(1);
                pruned = row.getInt(2);
                newestBefore = row.getLong(3);
                fenced = row.getLong(4);
            }
        } catch (SQLException e) {
            throw PostgresErrors.classify("saving the snapshot of " + streamId + " at version "
                    + snapshot.version(), e);
        }
        if (fenced == 0) {
            return new Saved(Write.EVENT_GONE, 0);
        }
        if (written == 1 && (snapshot.version() <= newestBefore || pruned == PostgresStores.DELETE_BATCH)) {
            pruned += prune(streamId, keep); // an older version saved late, or more than one batch to delete
        }
        return new Saved(written == 1 ? Write.WRITTEN : Write.EXISTED, pruned);
    }

    @Override
    public List<String> streamIds(String afterStreamId, int limit) {
        return jdbc.list("listing streams with snapshots", idsSql, row -> row.getString(1), afterStreamId, limit);
    }
}
