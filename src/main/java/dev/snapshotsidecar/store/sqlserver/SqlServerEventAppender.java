package dev.snapshotsidecar.store.sqlserver;

import dev.snapshotsidecar.config.SidecarConfig;
import dev.snapshotsidecar.store.jdbc.Jdbc;
import dev.snapshotsidecar.store.jdbc.JdbcEventAppender;

import javax.sql.DataSource;

/** Appends events to SQL Server's events table. Made once per pool; thread-safe. */
final class SqlServerEventAppender extends JdbcEventAppender {

    SqlServerEventAppender(SidecarConfig.Database db, DataSource dataSource) {
        super(dataSource, SqlServerErrors::classify, insert(db));
    }

    private static String insert(SidecarConfig.Database db) {
        SidecarConfig.Columns c = db.columns();
        return "INSERT INTO " + Jdbc.table(db, db.tables().events()) + " (" + c.streamId() + ", " + c.streamVersion()
                + ", " + c.eventType() + ", " + c.eventData() + ") VALUES (?, ?, ?, ?)";
    }
}
