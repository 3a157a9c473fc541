package dev.snapshotsidecar.store.postgres;

import dev.snapshotsidecar.config.SidecarConfig;
import dev.snapshotsidecar.store.jdbc.JdbcEventReader;

import javax.sql.DataSource;

/**
 * Reads events with a server-side cursor: PostgreSQL's driver only honours the fetch size outside autocommit. Made
 * once per pool; thread-safe.
 */
final class PostgresEventReader extends JdbcEventReader {

    PostgresEventReader(SidecarConfig.Database db, DataSource dataSource) {
        super(db, dataSource, PostgresErrors::classify, true, " LIMIT ?", "TEXT");
    }
}
