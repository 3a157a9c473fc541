package dev.snapshotsidecar.store.postgres;

import dev.snapshotsidecar.config.SidecarConfig;
import dev.snapshotsidecar.store.jdbc.Jdbc;
import dev.snapshotsidecar.store.jdbc.JdbcEventAppender;

import javax.sql.DataSource;

/** Appends events to PostgreSQL's events table. Made once per pool; thread-safe. */
final class PostgresEventAppender extends JdbcEventAppender {

    PostgresEventAppender(SidecarConfig.Database db, DataSource dataSource) {
        super(dataSource, PostgresErrors::classify, insert(db));
    }

    private static String insert(SidecarConfig.Database db) {
        SidecarConfig.Columns c = db.columns();
        // ?::jsonb: the driver sends the data as text, which PostgreSQL does not cast to a JSONB column by itself
        return "INSERT INTO " + Jdbc.table(db, db.tables().events()) + " (" + c.streamId() + ", " + c.streamVersion()
                + ", " + c.eventType() + ", " + c.eventData() + ") VALUES (?, ?, ?, ?::jsonb)";
    }
}
