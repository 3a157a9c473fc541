package dev.snapshotsidecar.store.jdbc;

import dev.snapshotsidecar.store.SnapshotStore;
import dev.snapshotsidecar.store.StoredSnapshot;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static dev.snapshotsidecar.store.jdbc.Sql.Param.AFTER_STREAM_ID;
import static dev.snapshotsidecar.store.jdbc.Sql.Param.AGGREGATE_TYPE;
import static dev.snapshotsidecar.store.jdbc.Sql.Param.KEEP_OFFSET;
import static dev.snapshotsidecar.store.jdbc.Sql.Param.LIMIT;
import static dev.snapshotsidecar.store.jdbc.Sql.Param.POSITION;
import static dev.snapshotsidecar.store.jdbc.Sql.Param.SCHEMA_VERSION;
import static dev.snapshotsidecar.store.jdbc.Sql.Param.STREAM_ID;
import static dev.snapshotsidecar.store.jdbc.Sql.Param.VERSION;

/**
 * What the {@link SnapshotStore} of every dialect does the same way: run the dialect's statements for reads, for
 * bounded DELETEs repeated until a batch comes back short, and for erasure's check before its DELETEs; and save one
 * row, a duplicate counting as already written. A dialect's subclass passes in its statements and writes
 * {@link #saveAndPrune}, the fenced save, itself. Made once per pool; thread-safe, holding only the pool and
 * immutable statements; each call takes and returns a pooled connection.
 */
public abstract class JdbcSnapshotStore implements SnapshotStore {
    /**
     * Rows one DELETE removes at most, so pruning and erasure never hold long locks on the snapshots table (nor, on
     * SQL Server, escalate to a table lock). A dialect's DELETE statements take at most this many rows; a batch that
     * took fewer was the last.
     */
    protected static final int DELETE_BATCH = 500;

    protected final DataSource dataSource;
    protected final Jdbc jdbc;
    /** Writes a row unless one of the same stream, version and schema version is there; binds {@link #bindRow}. */
    protected final String saveSql;
    private final Reads reads;
    private final Deletes deletes;

    /**
     * The dialect's queries.
     *
     * @param latest         the newest row of {@link Sql.Param#STREAM_ID} at {@link Sql.Param#SCHEMA_VERSION}:
     *                       stream_version, aggregate_type, snapshot_data, schema_version
     * @param streamIds      the distinct stream ids after {@link Sql.Param#AFTER_STREAM_ID}, in order, at most
     *                       {@link Sql.Param#LIMIT}
     * @param latestVersions per stream after {@link Sql.Param#AFTER_STREAM_ID}, in id order, at most
     *                       {@link Sql.Param#LIMIT}: stream_id, its highest version and an aggregate type
     * @param inventory      the operator's views, each row stream_id, stream_version, schema_version,
     *                       aggregate_type, the data's stored size in bytes, created_at
     */
    public record Reads(Sql latest, Sql streamIds, Sql latestVersions, Inventory inventory) {
    }

    /**
     * @param list   every row of {@link Sql.Param#STREAM_ID}, newest first
     * @param one    stream_version, aggregate_type, snapshot_data, schema_version of the row at
     *               {@link Sql.Param#STREAM_ID} and {@link Sql.Param#VERSION}
     * @param ofType rows of {@link Sql.Param#AGGREGATE_TYPE} after ({@link Sql.Param#AFTER_STREAM_ID},
     *               {@link Sql.Param#VERSION}) in key order, at most {@link Sql.Param#LIMIT}
     */
    public record Inventory(Sql list, Sql one, Sql ofType) {
    }

    /**
     * The dialect's DELETEs, each of at most {@link #DELETE_BATCH} rows of {@link Sql.Param#STREAM_ID}, and
     * erasure's check.
     *
     * @param prune        rows older than the newest {@link Sql.Param#KEEP_OFFSET} + 1
     * @param deleteAll    any rows
     * @param eventsRemain a row when events of the stream at or below {@link Sql.Param#POSITION} remain (any event
     *                     when it is negative)
     * @param erase        any rows, only while {@code eventsRemain} would find none
     */
    /**
     * The deletes: pruning, deleting all, erasure's check and its delete, and the snapshots above the stream's last
     * event (events deleted from its end: those snapshots fold events the table no longer has).
     */
    public record Deletes(Sql prune, Sql deleteAll, Sql eventsRemain, Sql erase, Sql aboveLastEvent) {
    }

    protected JdbcSnapshotStore(DataSource dataSource, Jdbc.Classifier classifier, String saveSql, Reads reads,
                                Deletes deletes) {
        this.dataSource = dataSource;
        this.jdbc = new Jdbc(dataSource, classifier);
        this.saveSql = saveSql;
        this.reads = reads;
        this.deletes = deletes;
    }

    /**
     * Whether the failure of {@link #saveSql} says that a concurrent save wrote the same row first, which
     * {@link #save} then reports as already written.
     */
    protected abstract boolean isDuplicateKey(SQLException e);

    @Override
    public Optional<StoredSnapshot> latest(String streamId, int schemaVersion) {
        Sql sql = reads.latest();
        return jdbc.first("loading the latest snapshot of " + streamId, sql.text(), row -> new StoredSnapshot(
                streamId, row.getLong(1), row.getString(2), row.getString(3), row.getInt(4)),
                sql.values(Map.of(STREAM_ID, streamId, SCHEMA_VERSION, schemaVersion)));
    }

    /** A created_at column as an instant: each dialect stores the time its own way. */
    protected abstract Instant createdAt(ResultSet row, int column) throws SQLException;

    @Override
    public List<SnapshotInfo> list(String streamId) {
        Sql sql = reads.inventory().list();
        return jdbc.list("listing the snapshots of " + streamId, sql.text(), this::info,
                sql.values(Map.of(STREAM_ID, streamId)));
    }

    @Override
    public Optional<StoredSnapshot> read(String streamId, long version) {
        Sql sql = reads.inventory().one();
        return jdbc.first("reading the snapshot of " + streamId + " at version " + version, sql.text(),
                row -> new StoredSnapshot(streamId, row.getLong(1), row.getString(2), row.getString(3),
                        row.getInt(4)), sql.values(Map.of(STREAM_ID, streamId, VERSION, version)));
    }

    @Override
    public List<SnapshotInfo> ofType(String aggregateType, String afterStreamId, long afterVersion, int limit) {
        Sql sql = reads.inventory().ofType();
        return jdbc.list("listing snapshots of type " + aggregateType, sql.text(), this::info,
                sql.values(Map.of(AGGREGATE_TYPE, aggregateType, AFTER_STREAM_ID, afterStreamId, VERSION,
                        afterVersion, LIMIT, limit)));
    }

    private SnapshotInfo info(ResultSet row) throws SQLException {
        return new SnapshotInfo(row.getString(1), row.getLong(2), row.getInt(3), row.getString(4), row.getLong(5),
                createdAt(row, 6));
    }

    @Override
    public boolean save(StoredSnapshot snapshot) {
        try (Connection connection = dataSource.getConnection();
             PreparedStatement statement = connection.prepareStatement(saveSql)) {
            bindRow(statement, 1, snapshot);
            return statement.executeUpdate() == 1;
        } catch (SQLException e) {
            if (isDuplicateKey(e)) {
                return false; // a concurrent build wrote the same snapshot first
            }
            throw jdbc.classify(saving(snapshot), e);
        }
    }

    @Override
    public List<String> streamIds(String afterStreamId, int limit) {
        Sql sql = reads.streamIds();
        return jdbc.list("listing streams with snapshots", sql.text(), row -> row.getString(1),
                sql.values(Map.of(AFTER_STREAM_ID, afterStreamId, LIMIT, limit)));
    }

    @Override
    public List<StreamVersion> latestVersions(String afterStreamId, int limit) {
        Sql sql = reads.latestVersions();
        return jdbc.list("listing the latest snapshot versions", sql.text(),
                row -> new StreamVersion(row.getString(1), row.getLong(2), row.getString(3)),
                sql.values(Map.of(AFTER_STREAM_ID, afterStreamId, LIMIT, limit)));
    }

    @Override
    public int prune(String streamId, int keep) {
        Sql sql = deletes.prune();
        return jdbc.deleteInBatches("pruning snapshots of " + streamId, sql.text(), DELETE_BATCH,
                sql.values(Map.of(STREAM_ID, streamId, KEEP_OFFSET, keep - 1)));
    }

    @Override
    public int deleteAll(String streamId) {
        Sql sql = deletes.deleteAll();
        return jdbc.deleteInBatches("erasing snapshots of " + streamId, sql.text(), DELETE_BATCH,
                sql.values(Map.of(STREAM_ID, streamId)));
    }

    @Override
    public Erased erase(String streamId, long position) {
        Map<Sql.Param, Object> values = Map.of(STREAM_ID, streamId, POSITION, position);
        Sql check = deletes.eventsRemain();
        if (jdbc.first("checking the events of " + streamId, check.text(), row -> true, check.values(values))
                .isPresent()) {
            Sql above = deletes.aboveLastEvent();
            return new Erased(true, jdbc.deleteInBatches("deleting snapshots of " + streamId + " above its last event",
                    above.text(), Integer.MAX_VALUE, above.values(values)));
        }
        Sql erase = deletes.erase();
        return new Erased(false, jdbc.deleteInBatches("erasing snapshots of " + streamId, erase.text(), DELETE_BATCH,
                erase.values(values)));
    }

    /** The five values of a snapshot row, in {@link #saveSql}'s order, from parameter {@code first} on. */
    protected static void bindRow(PreparedStatement statement, int first, StoredSnapshot snapshot)
            throws SQLException {
        statement.setString(first, snapshot.streamId());
        statement.setLong(first + 1, snapshot.version());
        statement.setString(first + 2, snapshot.aggregateType());
        statement.setString(first + 3, snapshot.data());
        statement.setInt(first + 4, snapshot.schemaVersion());
    }

    /** The operation a failed save names. */
    protected static String saving(StoredSnapshot snapshot) {
        return "saving the snapshot of " + snapshot.streamId() + " at version " + snapshot.version();
    }
}
