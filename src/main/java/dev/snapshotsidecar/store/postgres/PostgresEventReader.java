package dev.snapshotsidecar.store.postgres;

import dev.snapshotsidecar.config.SidecarConfig;
import dev.snapshotsidecar.store.jdbc.Jdbc;
import dev.snapshotsidecar.store.jdbc.JdbcEventReader;
import dev.snapshotsidecar.store.jdbc.Sql;

import javax.sql.DataSource;

import static dev.snapshotsidecar.store.jdbc.Sql.Param.AFTER_STREAM_ID;
import static dev.snapshotsidecar.store.jdbc.Sql.Param.LIMIT;

/**
 * Reads events with a server-side cursor: PostgreSQL's driver only honours the fetch size outside autocommit. Made
 * once per pool; thread-safe.
 */
final class PostgresEventReader extends JdbcEventReader {

    PostgresEventReader(SidecarConfig.Database db, DataSource dataSource) {
        super(db, dataSource, PostgresErrors::classify, true, streamLengths(db));
    }

    private static Sql streamLengths(SidecarConfig.Database db) {
        SidecarConfig.Columns c = db.columns();
        return Sql.of("SELECT " + c.streamId() + ", MAX(" + c.streamVersion() + ")"
                + c.aggregateType().map(t -> ", MAX(" + t + ")").orElse("")
                + " FROM " + Jdbc.table(db, db.eventsTable())
                + " WHERE " + c.streamId() + " > ? GROUP BY " + c.streamId() + " ORDER BY " + c.streamId()
                + " LIMIT ?", AFTER_STREAM_ID, LIMIT);
    }
}
