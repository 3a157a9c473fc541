package dev.snapshotsidecar.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.snapshotsidecar.config.SidecarConfig;
import dev.snapshotsidecar.store.postgres.PostgresStores;
import dev.snapshotsidecar.store.sqlserver.SqlServerStores;

import javax.sql.DataSource;

/** The store roles of one dialect, sharing one connection pool. */
public record DialectStores(EventReader events, SnapshotStore snapshots, EventStoreSchema schema,
                            EventAppender appender) {

    public static DialectStores of(SidecarConfig.Database database, DataSource dataSource) {
        return switch (database.dialect().configName()) {
            case "postgres" -> PostgresStores.of(database, dataSource);
            case "sqlserver" -> SqlServerStores.of(database, dataSource);
            default -> throw new IllegalArgumentException("no store for dialect " + database.dialect());
        };
    }

    /** A pool for the configured database; the caller closes it. */
    public static HikariDataSource pool(SidecarConfig.Database database, String name) {
        return pool(database, name, null);
    }

    /** A pool whose connection metrics go to {@code meters} (hikaricp.connections.*). */
    public static HikariDataSource pool(SidecarConfig.Database database, String name,
                                        io.micrometer.core.instrument.MeterRegistry meters) {
        HikariConfig hikari = new HikariConfig();
        hikari.setPoolName(name);
        hikari.setJdbcUrl(database.jdbcUrl());
        hikari.setUsername(database.user());
        database.password().ifPresent(hikari::setPassword);
        hikari.setMaximumPoolSize(database.poolSize());
        hikari.setMinimumIdle(0);
        // do not fail start-up when the database is down: builds retry with backoff instead
        hikari.setInitializationFailTimeout(-1);
        hikari.setConnectionTimeout(10_000);
        if (meters != null) {
            hikari.setMetricsTrackerFactory(new com.zaxxer.hikari.metrics.micrometer.MicrometerMetricsTrackerFactory(meters));
        }
        return new HikariDataSource(hikari);
    }
}
