package dev.snapshotsidecar.store.postgres;

import com.zaxxer.hikari.HikariDataSource;
import dev.snapshotsidecar.config.SidecarConfig;
import dev.snapshotsidecar.store.DialectStores;
import dev.snapshotsidecar.testing.SharedStack;

import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/** Empty events and snapshots tables in a schema of their own on the shared PostgreSQL, with a small pool. */
record FreshSchema(HikariDataSource pool, DialectStores stores, String name) implements AutoCloseable {
    private static final AtomicInteger SCHEMAS = new AtomicInteger();

    static SidecarConfig config(String schema) {
        return SharedStack.stack().sidecarConfig("store-it", Map.of("SIDECAR_DATABASE_SCHEMA", schema,
                "SIDECAR_DATABASE_FETCH_SIZE", "7", "SIDECAR_DATABASE_POOL_SIZE", "2"));
    }

    static FreshSchema create() {
        String name = "it_" + ProcessHandle.current().pid() + "_" + SCHEMAS.incrementAndGet();
        SidecarConfig config = config(name);
        HikariDataSource pool = DialectStores.pool(config.database(), "store-it");
        DialectStores stores = DialectStores.of(config.database(), pool);
        stores.schema().createSnapshotsTable();
        stores.schema().createEventsTable();
        return new FreshSchema(pool, stores, name);
    }

    /** Runs statements as the schema's owner. */
    void execute(String... statements) {
        try (java.sql.Connection c = pool.getConnection(); java.sql.Statement s = c.createStatement()) {
            for (String sql : statements) {
                s.execute(sql);
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        pool.close();
    }
}
