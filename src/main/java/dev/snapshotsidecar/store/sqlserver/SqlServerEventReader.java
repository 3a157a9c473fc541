package dev.snapshotsidecar.store.sqlserver;

import dev.snapshotsidecar.config.SidecarConfig;
import dev.snapshotsidecar.store.EventReader;
import dev.snapshotsidecar.store.jdbc.Jdbc;

import javax.sql.DataSource;
import java.util.List;
import java.util.Optional;

/**
 * Reads events in version order. The driver's default adaptive response buffering streams rows as they are
 * read, so a long tail is never held in memory; the fetch size bounds each round trip.
 */
final class SqlServerEventReader implements EventReader {
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
        this.lastVersionSql = "SELECT MAX(" + c.streamVersion() + ") FROM " + SqlServerStores.table(db, db.eventsTable())
                + " WHERE " + c.streamId() + " = ?";
        this.lengthsSql = "SELECT " + c.streamId() + ", MAX(" + c.streamVersion() + ")"
                + c.aggregateType().map(t -> ", MAX(" + t + ")").orElse("") + " FROM " + SqlServerStores.table(db, db.eventsTable())
                + " WHERE " + c.streamId() + " > ? GROUP BY " + c.streamId() + " ORDER BY " + c.streamId()
                + " OFFSET 0 ROWS FETCH NEXT ? ROWS ONLY";
        this.sql = "SELECT " + c.streamVersion() + ", " + c.eventType() + ", " + c.eventData() + ", "
                + c.metadata() + ", " + c.createdAt() + ", " + c.globalPosition() + " FROM " + SqlServerStores.table(db, db.eventsTable())
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
