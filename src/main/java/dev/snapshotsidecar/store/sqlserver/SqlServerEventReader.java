package dev.snapshotsidecar.store.sqlserver;

import dev.snapshotsidecar.config.SidecarConfig;
import dev.snapshotsidecar.store.jdbc.Jdbc;
import dev.snapshotsidecar.store.jdbc.JdbcEventReader;
import dev.snapshotsidecar.store.jdbc.Sql;

import javax.sql.DataSource;

import static dev.snapshotsidecar.store.jdbc.Sql.Param.AFTER_STREAM_ID;
import static dev.snapshotsidecar.store.jdbc.Sql.Param.LIMIT;

/**
 * Reads events in version order. The driver's default adaptive response buffering streams rows as they are
 * read, so a long tail is never held in memory; the fetch size bounds each round trip. Made once per pool;
 * thread-safe.
 */
final class SqlServerEventReader extends JdbcEventReader {

    SqlServerEventReader(SidecarConfig.Database db, DataSource dataSource) {
        super(db, dataSource, SqlServerErrors::classify, false, streamLengths(db));
    }

    private static Sql streamLengths(SidecarConfig.Database db) {
        SidecarConfig.Columns c = db.columns();
        // T-SQL has no LIMIT: a page is OFFSET ... FETCH after the ORDER BY
        return Sql.of("SELECT " + c.streamId() + ", MAX(" + c.streamVersion() + ")"
                + c.aggregateType().map(t -> ", MAX(" + t + ")").orElse("")
                + " FROM " + Jdbc.table(db, db.eventsTable())
                + " WHERE " + c.streamId() + " > ? GROUP BY " + c.streamId() + " ORDER BY " + c.streamId()
                + " OFFSET 0 ROWS FETCH NEXT ? ROWS ONLY", AFTER_STREAM_ID, LIMIT);
    }
}
