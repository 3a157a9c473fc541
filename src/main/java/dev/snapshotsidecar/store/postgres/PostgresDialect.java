package dev.snapshotsidecar.store.postgres;

import dev.snapshotsidecar.config.SidecarConfig;
import dev.snapshotsidecar.store.Dialect;
import dev.snapshotsidecar.store.DialectStores;

import javax.sql.DataSource;
import java.time.Duration;
import java.util.Map;

/**
 * PostgreSQL, 10 or later, as {@code database.dialect: postgres}: registered as a {@link Dialect} service. Stateless
 * and thread-safe; {@link java.util.ServiceLoader} makes it with its public no-argument constructor.
 */
public final class PostgresDialect implements Dialect {

    @Override
    public String name() {
        return "postgres";
    }

    @Override
    public DialectStores stores(SidecarConfig.Database database, DataSource dataSource) {
        return new DialectStores(new PostgresEventReader(database, dataSource),
                new PostgresSnapshotStore(database, dataSource), new PostgresSchema(database, dataSource),
                new PostgresEventAppender(database, dataSource));
    }

    /** pgjdbc's {@code socketTimeout} is in whole seconds; a part of one rounds up. */
    @Override
    public Map<String, String> driverProperties(Duration statementTimeout) {
        long seconds = Math.max(1, (statementTimeout.toMillis() + 999) / 1000);
        return Map.of("socketTimeout", Long.toString(seconds));
    }
}
