package dev.snapshotsidecar.store.postgres;

import dev.snapshotsidecar.config.SidecarConfig;
import dev.snapshotsidecar.store.DialectStores;

import javax.sql.DataSource;

/** Builds the PostgreSQL store roles over one pool. */
public final class PostgresStores {
    private PostgresStores() {
    }

    public static DialectStores of(SidecarConfig.Database database, DataSource dataSource) {
        return new DialectStores(new PostgresEventReader(database, dataSource),
                new PostgresSnapshotStore(database, dataSource), new PostgresSchema(database, dataSource),
                new PostgresEventAppender(database, dataSource));
    }
}
