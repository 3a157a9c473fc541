package dev.snapshotsidecar.store.postgres;

import dev.snapshotsidecar.config.SidecarConfig;
import dev.snapshotsidecar.store.EventReader;
import dev.snapshotsidecar.store.jdbc.Jdbc;

import javax.sql.DataSource;
import java.util.List;
import java.util.Optional;

/** Reads events with a server-side cursor: PostgreSQL's driver only honours the fetch size outside autocommit. */
final class PostgresEventReader implements EventReader {
    private final int fetchSize;
    private final Jdbc jdbc;
    private final String sql;
    private final String lengthsSql;
    private final String lastVersionSql;
    private final boolean typeColumn;

    PostgresEventReader(SidecarConfig.Database db, DataSource dataSource) {
        this.jdbc = new Jdbc(dataSource, PostgresErrors::classify);
        this.fetchSize = db.fetchSize();
        SidecarConfig.Columns c = db.columns();
        this.typeColumn = c.aggregateType().isPresent();
        this.lastVersionSql = "SELECT MAX(" + c.streamVersion() + ") FROM " + PostgresStores.table(db, db.eventsTable())
                + " WHERE " + c.streamId() + " = ?";
        this.lengthsSql = "SELECT " + c.streamId() + ", MAX(" + c.streamVersion() + ")"
                + c.aggregateType().map(t -> ", MAX(" + t + ")").orElse("") + " FROM " + PostgresStores.table(db, db.eventsTable())
                + " WHERE " + c.streamId() + " > ? GROUP BY " + c.streamId() + " ORDER BY " + c.streamId()
                + " LIMIT ?";
        this.sql = "SELECT " + c.streamVersion() + ", " + c.eventType() + ", " + c.eventData() + ", "
                + c.metadata() + ", " + c.createdAt() + ", " + c.globalPosition() + " FROM " + PostgresStores.table(db, db.eventsTable())
                + " WHERE " + c.streamId() + " = ? AND " + c.streamVersion() + " BETWEEN ? AND ?"
                + " ORDER BY " + c.streamVersion();
    }

    @Override
    public long read(String streamId, long fromVersion, long toVersion, EventSink sink) {
        return jdbc.stream("reading events of " + streamId, sql, fetchSize, true,
                row -> Jdbc.event(streamId, row), sink::accept, streamId, fromVersion, Math.min(toVersion, Integer.MAX_VALUE));
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
