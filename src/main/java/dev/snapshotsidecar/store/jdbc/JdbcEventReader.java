package dev.snapshotsidecar.store.jdbc;

import dev.snapshotsidecar.config.SidecarConfig;
import dev.snapshotsidecar.store.EventReader;

import javax.sql.DataSource;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

import static dev.snapshotsidecar.store.jdbc.Sql.Param.AFTER_STREAM_ID;
import static dev.snapshotsidecar.store.jdbc.Sql.Param.FROM_VERSION;
import static dev.snapshotsidecar.store.jdbc.Sql.Param.LIMIT;
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

    /**
     * @param cursor        whether the driver streams rows with the fetch size only inside a transaction (see
     *                      {@link Jdbc#stream})
     * @param firstRows     the clause after an ORDER BY that keeps the first {@link Sql.Param#LIMIT} rows, with
     *                      that one parameter
     */
    protected JdbcEventReader(SidecarConfig.Database db, DataSource dataSource, Jdbc.Classifier classifier,
                              boolean cursor, String firstRows) {
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
        this.lastVersion = Sql.of("SELECT MAX(" + c.streamVersion() + ") FROM " + events
                + " WHERE " + c.streamId() + " = ?", STREAM_ID);
        this.read = Sql.of("SELECT " + c.streamVersion() + ", " + c.eventType() + ", " + c.eventData() + ", "
                + c.metadata() + ", " + c.createdAt() + ", " + c.globalPosition() + " FROM " + events
                + " WHERE " + c.streamId() + " = ? AND " + c.streamVersion() + " BETWEEN ? AND ?"
                + " ORDER BY " + c.streamVersion(), STREAM_ID, FROM_VERSION, TO_VERSION);
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
    public List<StreamLength> streamLengths(String afterStreamId, int limit) {
        return jdbc.list("measuring stream lengths", streamLengths.text(), row -> new StreamLength(row.getString(1),
                row.getLong(2), typeColumn ? Optional.ofNullable(row.getString(3)) : Optional.empty()),
                streamLengths.values(Map.of(AFTER_STREAM_ID, afterStreamId, LIMIT, limit)));
    }
}
