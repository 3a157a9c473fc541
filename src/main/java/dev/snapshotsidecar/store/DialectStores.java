package dev.snapshotsidecar.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.snapshotsidecar.config.SidecarConfig;

import javax.sql.DataSource;
import java.util.Comparator;
import java.util.List;
import java.util.ServiceLoader;
import java.util.stream.Collectors;

/**
 * The store roles of one dialect, sharing one connection pool. Made once per pool by {@link #of}; each role is
 * thread-safe.
 */
public record DialectStores(EventReader events, SnapshotStore snapshots, EventStoreSchema schema,
                            EventAppender appender) {

    /**
     * The roles of the configured dialect over {@code dataSource}, which the caller owns and closes.
     *
     * @throws IllegalArgumentException when no registered {@link Dialect} has the configured name; the message names
     *                                  the ones there are
     */
    public static DialectStores of(SidecarConfig.Database database, DataSource dataSource) {
        return dialect(dialectName(database)).stores(database, dataSource);
    }

    /** The one place that reads the dialect's name from the configuration. */
    private static String dialectName(SidecarConfig.Database database) {
        return database.dialect().configName();
    }

    /** The registered dialect of that name. */
    static Dialect dialect(String name) {
        List<Dialect> dialects = dialects();
        List<Dialect> named = dialects.stream().filter(d -> d.name().equals(name)).toList();
        if (named.isEmpty()) {
            throw new IllegalArgumentException("no store for dialect '" + name + "': the dialects there are "
                    + dialects.stream().map(Dialect::name).collect(Collectors.joining(", ")));
        }
        if (named.size() > 1) {
            throw new IllegalStateException("more than one dialect is named '" + name + "': "
                    + named.stream().map(d -> d.getClass().getName()).collect(Collectors.joining(", ")));
        }
        return named.get(0);
    }

    /** Every dialect registered with {@link ServiceLoader} where this package is, in name order. */
    static List<Dialect> dialects() {
        return ServiceLoader.load(Dialect.class, Dialect.class.getClassLoader()).stream()
                .map(ServiceLoader.Provider::get).sorted(Comparator.comparing(Dialect::name)).toList();
    }

    /**
     * The configured dialect's driver properties for {@code database.statement-timeout}: every pool over the
     * database sets them.
     */
    public static java.util.Map<String, String> driverProperties(SidecarConfig.Database database) {
        return dialect(dialectName(database)).driverProperties(database.pool().statementTimeout());
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
        hikari.setJdbcUrl(database.connection().jdbcUrl());
        hikari.setUsername(database.connection().user());
        database.connection().password().ifPresent(hikari::setPassword);
        hikari.setMaximumPoolSize(database.pool().size());
        hikari.setMinimumIdle(0);
        // do not fail start-up when the database is down: builds retry with backoff instead
        hikari.setInitializationFailTimeout(-1);
        hikari.setConnectionTimeout(10_000);
        driverProperties(database).forEach(hikari::addDataSourceProperty);
        if (meters != null) {
            hikari.setMetricsTrackerFactory(new com.zaxxer.hikari.metrics.micrometer.MicrometerMetricsTrackerFactory(meters));
        }
        return new HikariDataSource(hikari);
    }
}
