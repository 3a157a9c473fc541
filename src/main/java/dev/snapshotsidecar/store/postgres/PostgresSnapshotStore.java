package dev.snapshotsidecar.store.postgres;

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
 * The snapshots table on PostgreSQL: {@code LIMIT} pages, {@code INSERT ... ON CONFLICT} writes, DELETE batches
 * chosen by a subquery, and {@link #saveAndPrune} in one round trip. Made once per pool; thread-safe.
 */
final class PostgresSnapshotStore extends JdbcSnapshotStore {
    private final String saveAndPruneSql;
    private final String eventSql;
    private final String withdrawSql;

    PostgresSnapshotStore(SidecarConfig.Database db, DataSource dataSource) {
        super(dataSource, PostgresErrors::classify, saveSql(db), reads(db), deletes(db));
        String t = Jdbc.table(db, db.tables().snapshots());
        String events = Jdbc.table(db, db.tables().events());
        SidecarConfig.Columns c = db.columns();
        // save and prune in one round trip. The fence is the event at the snapshot's version (and position, unless
        // the parameter is negative): no row is written for events already gone when the statement starts. A delete
        // that commits while the statement runs is caught by the check after it (saveAndPrune), without locking the
        // service's rows (FOR KEY SHARE would need UPDATE on its events table). The DELETE of older snapshots sees
        // the table as it was before the INSERT, so it keeps the newest keep-1 older rows, and only when the new row
        // is the newest (else saveAndPrune prunes after)
        String event = "SELECT 1 FROM " + events + " WHERE " + c.streamId() + " = ? AND " + c.streamVersion()
                + " = ? AND (CAST(? AS BIGINT) < 0 OR " + c.globalPosition() + " = ?)";
        eventSql = event;
        // exactly the row this save wrote: another build's row at that version (a new incarnation's) stays
        withdrawSql = "DELETE FROM " + t + " WHERE stream_id = ? AND stream_version = ? AND schema_version = ?"
                + " AND snapshot_data = ?";
        saveAndPruneSql = "WITH fence AS (" + event + "),"
                + " before AS (SELECT COALESCE(MAX(stream_version), -1) AS newest FROM " + t
                + " WHERE stream_id = ?), saved AS (INSERT INTO " + t + " AS s (stream_id, stream_version,"
                + " aggregate_type, snapshot_data, schema_version) SELECT ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM"
                + " fence) ON CONFLICT (stream_id, stream_version) DO UPDATE SET"
                + " aggregate_type = EXCLUDED.aggregate_type, snapshot_data = EXCLUDED.snapshot_data,"
                + " schema_version = EXCLUDED.schema_version, created_at = now()"
                + " WHERE s.schema_version <> EXCLUDED.schema_version RETURNING s.stream_version),"
                + " pruned AS (DELETE FROM " + t + " WHERE stream_id = ? AND stream_version IN (SELECT stream_version"
                + " FROM " + t + " WHERE stream_id = ? ORDER BY stream_version DESC OFFSET ? LIMIT " + DELETE_BATCH
                + ") AND EXISTS (SELECT 1 FROM saved) AND ? > (SELECT newest FROM before) RETURNING 1)"
                + " SELECT (SELECT COUNT(*) FROM saved), (SELECT COUNT(*) FROM pruned), (SELECT newest FROM before),"
                + " (SELECT COUNT(*) FROM fence)";
    }

    private static String saveSql(SidecarConfig.Database db) {
        // ON CONFLICT: a duplicate request, or two builders racing, write one row and both succeed; a row of
        // another schema version at the same stream version (a rebuild) is replaced, and counts as written
        return "INSERT INTO " + Jdbc.table(db, db.tables().snapshots()) + " AS s (stream_id, stream_version,"
                + " aggregate_type, snapshot_data, schema_version)"
                + " VALUES (?, ?, ?, ?, ?) ON CONFLICT (stream_id, stream_version) DO UPDATE SET"
                + " aggregate_type = EXCLUDED.aggregate_type, snapshot_data = EXCLUDED.snapshot_data,"
                + " schema_version = EXCLUDED.schema_version, created_at = now()"
                + " WHERE s.schema_version <> EXCLUDED.schema_version";
    }

    private static Reads reads(SidecarConfig.Database db) {
        String t = Jdbc.table(db, db.tables().snapshots());
        return new Reads(
                Sql.of("SELECT stream_version, aggregate_type, snapshot_data, schema_version FROM " + t
                        + " WHERE stream_id = ? AND schema_version = ? ORDER BY stream_version DESC LIMIT 1",
                        STREAM_ID, SCHEMA_VERSION),
                Sql.of("SELECT DISTINCT stream_id FROM " + t + " WHERE stream_id > ? ORDER BY stream_id LIMIT ?",
                        AFTER_STREAM_ID, LIMIT),
                Sql.of("SELECT stream_id, MAX(stream_version), MAX(aggregate_type) FROM " + t
                        + " WHERE stream_id > ? GROUP BY stream_id ORDER BY stream_id LIMIT ?",
                        AFTER_STREAM_ID, LIMIT),
                inventory(t));
    }

    private static Inventory inventory(String t) {
        // octet_length: the data's size in bytes as stored (UTF-8), not its length in characters
        String columns = "SELECT stream_id, stream_version, schema_version, aggregate_type, octet_length(snapshot_data),"
                + " created_at FROM " + t;
        return new Inventory(
                Sql.of(columns + " WHERE stream_id = ? ORDER BY stream_version DESC", STREAM_ID),
                Sql.of("SELECT stream_version, aggregate_type, snapshot_data, schema_version FROM " + t
                        + " WHERE stream_id = ? AND stream_version = ?", STREAM_ID, VERSION),
                // a keyset page of the primary key; the row value comparison is served by its index
                Sql.of(columns + " WHERE aggregate_type = ? AND (stream_id, stream_version) > (?, ?)"
                        + " ORDER BY stream_id, stream_version LIMIT ?", AGGREGATE_TYPE, AFTER_STREAM_ID, VERSION,
                        LIMIT));
    }

    private static Deletes deletes(SidecarConfig.Database db) {
        String t = Jdbc.table(db, db.tables().snapshots());
        SidecarConfig.Columns c = db.columns();
        // erasure: events of the incarnation at or below the position (any event, when it is negative)
        String remaining = "SELECT 1 FROM " + Jdbc.table(db, db.tables().events()) + " WHERE " + c.streamId()
                + " = ? AND (CAST(? AS BIGINT) < 0 OR " + c.globalPosition() + " <= ?)";
        return new Deletes(
                // PostgreSQL's DELETE has no LIMIT: the batch is chosen by a subquery on the primary key
                Sql.of("DELETE FROM " + t + " WHERE stream_id = ? AND stream_version IN (SELECT stream_version FROM "
                        + t + " WHERE stream_id = ? AND stream_version < (SELECT stream_version FROM " + t
                        + " WHERE stream_id = ? ORDER BY stream_version DESC OFFSET ? LIMIT 1)"
                        + " ORDER BY stream_version LIMIT " + DELETE_BATCH + ")",
                        STREAM_ID, STREAM_ID, STREAM_ID, KEEP_OFFSET),
                Sql.of("DELETE FROM " + t + " WHERE stream_id = ? AND stream_version IN (SELECT stream_version FROM "
                        + t + " WHERE stream_id = ? LIMIT " + DELETE_BATCH + ")", STREAM_ID, STREAM_ID),
                Sql.of(remaining + " LIMIT 1", STREAM_ID, POSITION, POSITION),
                Sql.of("DELETE FROM " + t + " WHERE stream_id = ? AND stream_version IN (SELECT stream_version FROM "
                        + t + " WHERE stream_id = ? LIMIT " + DELETE_BATCH + ") AND NOT EXISTS (" + remaining + ")",
                        STREAM_ID, STREAM_ID, STREAM_ID, POSITION, POSITION),
                Sql.of("DELETE FROM " + t + " WHERE stream_id = ? AND stream_version > (SELECT MAX("
                        + c.streamVersion() + ") FROM " + Jdbc.table(db, db.tables().events()) + " WHERE "
                        + c.streamId() + " = ?)", STREAM_ID, STREAM_ID));
    }

    /** TIMESTAMPTZ: an instant, whatever the session's time zone. */
    @Override
    protected java.time.Instant createdAt(ResultSet row, int column) throws SQLException {
        java.time.OffsetDateTime at = row.getObject(column, java.time.OffsetDateTime.class);
        return at == null ? java.time.Instant.EPOCH : at.toInstant();
    }

    /** Never: ON CONFLICT makes a concurrent INSERT of the same row wait for the first, then write nothing. */
    @Override
    protected boolean isDuplicateKey(SQLException e) {
        return false;
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
            throw PostgresErrors.classify(saving(snapshot), e);
        }
        if (fenced == 0) {
            withdraw(snapshot); // a row an earlier attempt of this build wrote before it failed to check it
            return new Saved(Write.EVENT_GONE, 0);
        }
        if (written == 1 && !eventStillThere(snapshot, eventPosition)) {
            // deleted (or erased and written again) while the save ran: its erasure, which follows that delete,
            // may have looked before this row was committed; so the row goes now, in a statement that starts after
            // the save committed and sees the delete if the erasure's did not
            withdraw(snapshot);
            return new Saved(Write.EVENT_GONE, pruned);
        }
        if (written == 1 && (snapshot.version() <= newestBefore || pruned == DELETE_BATCH)) {
            pruned += prune(streamId, keep); // an older version saved late, or more than one batch to delete
        }
        return new Saved(written == 1 ? Write.WRITTEN : Write.EXISTED, pruned);
    }

    /** Whether the event the snapshot was folded to is still in the table, read after the save committed. */
    private boolean eventStillThere(StoredSnapshot snapshot, long eventPosition) {
        try (Connection connection = dataSource.getConnection();
             PreparedStatement statement = connection.prepareStatement(eventSql)) {
            statement.setString(1, snapshot.streamId());
            statement.setLong(2, snapshot.version());
            statement.setLong(3, eventPosition);
            statement.setLong(4, eventPosition);
            try (ResultSet row = statement.executeQuery()) {
                return row.next();
            }
        } catch (SQLException e) {
            throw PostgresErrors.classify("checking the event of " + saving(snapshot), e);
        }
    }

    /** Deletes the row this save wrote. */
    private void withdraw(StoredSnapshot snapshot) {
        try (Connection connection = dataSource.getConnection();
             PreparedStatement statement = connection.prepareStatement(withdrawSql)) {
            statement.setString(1, snapshot.streamId());
            statement.setLong(2, snapshot.version());
            statement.setInt(3, snapshot.schemaVersion());
            statement.setString(4, snapshot.data());
            statement.executeUpdate();
        } catch (SQLException e) {
            throw PostgresErrors.classify("withdrawing " + saving(snapshot), e);
        }
    }
}
