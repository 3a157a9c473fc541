package dev.snapshotsidecar.store.jdbc;

import dev.snapshotsidecar.config.SidecarConfig;
import dev.snapshotsidecar.fold.StoredEvent;
import dev.snapshotsidecar.store.EventReader;
import dev.snapshotsidecar.store.StoredSnapshot;

import javax.sql.DataSource;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

import static dev.snapshotsidecar.store.jdbc.Sql.Param.AFTER_STREAM_ID;
import static dev.snapshotsidecar.store.jdbc.Sql.Param.FROM_VERSION;
import static dev.snapshotsidecar.store.jdbc.Sql.Param.LIMIT;
import static dev.snapshotsidecar.store.jdbc.Sql.Param.SCHEMA_VERSION;
import static dev.snapshotsidecar.store.jdbc.Sql.Param.STREAM_ID;
import static dev.snapshotsidecar.store.jdbc.Sql.Param.TO_VERSION;

/**
 * The {@link EventReader} of every dialect: its statements are standard SQL, written here once, but for the clause
 * that keeps a page's first rows; a dialect's subclass passes in that clause and how its driver streams rows. Made
 * once per pool; thread-safe, holding only the pool and immutable statements.
 */
public abstract class JdbcEventReader implements EventReader {
    private final Jdbc jdbc;
    private final int fetchSize;
    private final boolean cursor;
    private final boolean typeColumn;
    private final Sql read;
    private final Sql lastVersion;
    private final Sql streamLengths;
    private final Sql fromLatestSnapshot;
    private final Sql streamEnds;

    /**
     * @param cursor        whether the driver streams rows with the fetch size only inside a transaction (see
     *                      {@link Jdbc#stream})
     * @param firstRows     the clause after an ORDER BY that keeps the first {@link Sql.Param#LIMIT} rows, with
     *                      that one parameter
     * @param textType      the type both a snapshot's and an event's JSON are read as in one result
     */
    protected JdbcEventReader(SidecarConfig.Database db, DataSource dataSource, Jdbc.Classifier classifier,
                              boolean cursor, String firstRows, String textType) {
        this.jdbc = new Jdbc(dataSource, classifier);
        this.fetchSize = db.pool().fetchSize();
        this.cursor = cursor;
        SidecarConfig.Columns c = db.columns();
        String events = Jdbc.table(db, db.tables().events());
        this.typeColumn = c.aggregateType().isPresent();
        // per stream: its highest version and, when the table has an aggregate-type column, its highest value of it
        this.streamLengths = Sql.of("SELECT " + c.streamId() + ", MAX(" + c.streamVersion() + ")"
                + c.aggregateType().map(t -> ", MAX(" + t + ")").orElse("") + " FROM " + events
                + " WHERE " + c.streamId() + " > ? GROUP BY " + c.streamId() + " ORDER BY " + c.streamId()
                + firstRows, AFTER_STREAM_ID, LIMIT);
        // a page of streams and their last version, then each one's last row by the (stream, version) unique
        // index: one index range and a lookup per stream, never a scan of every row's other columns
        this.streamEnds = Sql.of("SELECT e." + c.streamId() + ", e." + c.streamVersion() + ", e." + c.eventType()
                + ", e." + c.createdAt() + ", e." + c.globalPosition()
                + c.aggregateType().map(t -> ", e." + t).orElse("") + " FROM " + events + " e JOIN (SELECT "
                + c.streamId() + " AS page_stream, MAX(" + c.streamVersion() + ") AS page_version FROM " + events
                + " WHERE " + c.streamId() + " > ? GROUP BY " + c.streamId() + " ORDER BY " + c.streamId()
                + firstRows + ") page ON e." + c.streamId() + " = page.page_stream AND e." + c.streamVersion()
                + " = page.page_version ORDER BY e." + c.streamId(), AFTER_STREAM_ID, LIMIT);
        this.lastVersion = Sql.of("SELECT MAX(" + c.streamVersion() + ") FROM " + events
                + " WHERE " + c.streamId() + " = ?", STREAM_ID);
        this.read = Sql.of("SELECT " + c.streamVersion() + ", " + c.eventType() + ", " + c.eventData() + ", "
                + c.metadata() + ", " + c.createdAt() + ", " + c.globalPosition() + " FROM " + events
                + " WHERE " + c.streamId() + " = ? AND " + c.streamVersion() + " BETWEEN ? AND ?"
                + " ORDER BY " + c.streamVersion(), STREAM_ID, FROM_VERSION, TO_VERSION);
        // the latest snapshot (kind 0) and the events after it (kind 1) in one result: standard SQL, the snapshot's
        // version found by the primary key in both halves
        String snapshots = Jdbc.table(db, db.tables().snapshots());
        String latest = "SELECT MAX(stream_version) FROM " + snapshots + " WHERE stream_id = ? AND schema_version = ?";
        this.fromLatestSnapshot = Sql.of("SELECT 0, stream_version, aggregate_type, snapshot_data, NULL, NULL,"
                + " schema_version FROM " + snapshots + " WHERE stream_id = ? AND stream_version = (" + latest + ")"
                + " UNION ALL SELECT 1, " + c.streamVersion() + ", " + c.eventType() + ", CAST(" + c.eventData()
                + " AS " + textType + "), CAST(" + c.metadata() + " AS " + textType + "), " + c.createdAt() + ", "
                + c.globalPosition() + " FROM " + events + " WHERE " + c.streamId() + " = ? AND "
                + c.streamVersion() + " >= COALESCE((" + latest.replace("MAX(stream_version)",
                "MAX(stream_version) + 1") + "), ?) AND " + c.streamVersion() + " <= ? ORDER BY 1, 2",
                STREAM_ID, STREAM_ID, SCHEMA_VERSION, STREAM_ID, STREAM_ID, SCHEMA_VERSION, FROM_VERSION, TO_VERSION);
    }

    @Override
    public long readFromLatestSnapshot(String streamId, int schemaVersion, long firstVersion, long toVersion,
                                       java.util.function.Consumer<StoredSnapshot> snapshot, EventSink sink) {
        long[] events = {0};
        // no cursor: a cursor's transaction costs a round trip more to end, and a reader's tail is short (the
        // snapshot policy keeps it under its threshold), so the rows come whole with the one round trip
        jdbc.stream("loading " + streamId, fromLatestSnapshot.text(), fetchSize, false, row -> {
            if (row.getInt(1) == 0) {
                return new StoredSnapshot(streamId, row.getLong(2), row.getString(3), row.getString(4),
                        (int) row.getLong(7));
            }
            java.sql.Timestamp created = row.getTimestamp(6);
            return new StoredEvent(streamId, row.getLong(2), row.getString(3), row.getString(4),
                    Optional.ofNullable(row.getString(5)), created == null ? java.time.Instant.EPOCH
                    : created.toInstant(), row.getLong(7));
        }, read -> {
            if (read instanceof StoredSnapshot s) {
                snapshot.accept(s);
            } else {
                events[0]++;
                sink.accept((StoredEvent) read);
            }
        }, fromLatestSnapshot.values(Map.of(STREAM_ID, streamId, SCHEMA_VERSION, schemaVersion,
                FROM_VERSION, Math.max(Integer.MIN_VALUE, firstVersion),
                TO_VERSION, Math.min(Integer.MAX_VALUE, toVersion))));
        return events[0];
    }

    @Override
    public long read(String streamId, long fromVersion, long toVersion, EventSink sink) {
        // stream_version is INT: larger bounds would fail SQL Server's conversion, and select nothing more elsewhere
        return jdbc.stream("reading events of " + streamId, read.text(), fetchSize, cursor,
                row -> Jdbc.event(streamId, row), sink::accept, read.values(Map.of(STREAM_ID, streamId,
                        FROM_VERSION, Math.max(Integer.MIN_VALUE, fromVersion),
                        TO_VERSION, Math.min(Integer.MAX_VALUE, toVersion))));
    }

    @Override
    public OptionalLong lastVersion(String streamId) {
        return jdbc.first("reading the last version of " + streamId, lastVersion.text(), row -> {
            long last = row.getLong(1);
            return row.wasNull() ? OptionalLong.empty() : OptionalLong.of(last);
        }, lastVersion.values(Map.of(STREAM_ID, streamId))).orElse(OptionalLong.empty());
    }

    @Override
    public List<StreamEnd> streamEnds(String afterStreamId, int limit) {
        return jdbc.list("reading the last events of streams", streamEnds.text(), row -> {
            java.sql.Timestamp at = row.getTimestamp(4);
            return new StreamEnd(row.getString(1), row.getLong(2), row.getString(3),
                    at == null ? java.time.Instant.EPOCH : at.toInstant(), row.getLong(5),
                    typeColumn ? Optional.ofNullable(row.getString(6)) : Optional.empty());
        }, streamEnds.values(Map.of(AFTER_STREAM_ID, afterStreamId, LIMIT, limit)));
    }

    @Override
    public List<StreamLength> streamLengths(String afterStreamId, int limit) {
        return jdbc.list("measuring stream lengths", streamLengths.text(), row -> new StreamLength(row.getString(1),
                row.getLong(2), typeColumn ? Optional.ofNullable(row.getString(3)) : Optional.empty()),
                streamLengths.values(Map.of(AFTER_STREAM_ID, afterStreamId, LIMIT, limit)));
    }
}
