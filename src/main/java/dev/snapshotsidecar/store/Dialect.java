package dev.snapshotsidecar.store;

import dev.snapshotsidecar.config.SidecarConfig;

import javax.sql.DataSource;
import java.time.Duration;
import java.util.Map;

/**
 * A SQL dialect of the event store, which makes the store roles for a database that speaks it. Each dialect package
 * has one, registered in {@code META-INF/services/dev.snapshotsidecar.store.Dialect}; {@link DialectStores#of} finds
 * it by {@link #name()}, so this package names none of them. {@link java.util.ServiceLoader} makes an
 * implementation with its public no-argument constructor whenever the dialects are looked up; it holds no state and
 * is thread-safe.
 */
public interface Dialect {

    /** The name {@code database.dialect} selects this dialect by, e.g. {@code postgres}; never null. */
    String name();

    /**
     * The store roles over {@code dataSource}, which the caller owns and closes. Called once per pool; makes no
     * connection, so it succeeds while the database is down.
     */
    DialectStores stores(SidecarConfig.Database database, DataSource dataSource);

    /**
     * The driver's connection properties that abandon a round trip not answered within {@code statementTimeout}
     * (a socket read timeout, in the unit the driver wants), so a connection cut without a reset fails like any
     * lost connection instead of waiting forever. A setting in the JDBC URL keeps the driver's own precedence.
     */
    Map<String, String> driverProperties(Duration statementTimeout);
}
