package dev.snapshotsidecar.store.sqlserver;

import dev.snapshotsidecar.config.SidecarConfig;
import dev.snapshotsidecar.store.jdbc.JdbcEventReader;

import javax.sql.DataSource;

/**
 * Reads events in version order. The driver's default adaptive response buffering streams rows as they are
 * read, so a long tail is never held in memory; the fetch size bounds each round trip. Made once per pool;
 * thread-safe.
 */
final class SqlServerEventReader extends JdbcEventReader {

    SqlServerEventReader(SidecarConfig.Database db, DataSource dataSource) {
        // T-SQL has no LIMIT: a page is OFFSET ... FETCH after the ORDER BY
        super(db, dataSource, SqlServerErrors::classify, false, " OFFSET 0 ROWS FETCH NEXT ? ROWS ONLY",
                "NVARCHAR(MAX)");
    }
}
