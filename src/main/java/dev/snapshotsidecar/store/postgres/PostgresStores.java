package dev.snapshotsidecar.store.postgres;

import dev.snapshotsidecar.config.SidecarConfig;
import dev.snapshotsidecar.store.DialectStores;

import javax.sql.DataSource;

/** Builds the PostgreSQL store roles over one pool. */
public final class PostgresStores {
    /** Rows one DELETE removes at most, so pruning and erasure never hold long locks on the snapshots table. */
    static final int DELETE_BATCH = 500;

    private PostgresStores() {
    }

    public static DialectStores of(SidecarConfig.Database database, DataSource dataSource) {
        return new DialectStores(new PostgresEventReader(database, dataSource),
                new PostgresSnapshotStore(database, dataSource), new PostgresSchema(database, dataSource),
                new PostgresEventAppender(database, dataSource));
    }

    static String table(SidecarConfig.Database database, String table) {
        return database.schema() + "." + table;
    }
}
