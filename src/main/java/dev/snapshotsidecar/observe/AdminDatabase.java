package dev.snapshotsidecar.observe;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.metrics.micrometer.MicrometerMetricsTrackerFactory;
import dev.snapshotsidecar.config.SidecarConfig;
import dev.snapshotsidecar.store.DialectStores;
import dev.snapshotsidecar.store.SnapshotStore;
import dev.snapshotsidecar.store.StoreException;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The admin API's own way into the database, apart from the builders' pool so that admin reads and probes never
 * take a builder's connection, nor wait behind one: a pool of {@value #POOL_SIZE} connections that waits at most
 * {@link #CONNECTION_TIMEOUT} for one, whose reads give up after {@link #READ_TIMEOUT} (a JDBC network timeout), and
 * a check of the database every {@link #CHECK_INTERVAL} on a thread of its own ({@code Connection.isValid} with a
 * timeout of {@value #CHECK_TIMEOUT_SECONDS} s). The readiness probe reads the last verdict and never touches the
 * database itself.
 *
 * <p>Created by the sidecar when its HTTP server runs, {@link #start() started} with it, closed with it.
 * Thread-safe: {@link #problem()} and {@link #latest} are called from HTTP threads.
 */
public final class AdminDatabase implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AdminDatabase.class);
    static final int POOL_SIZE = 2;
    static final Duration CONNECTION_TIMEOUT = Duration.ofSeconds(1);
    static final Duration READ_TIMEOUT = Duration.ofSeconds(5);
    static final Duration CHECK_INTERVAL = Duration.ofSeconds(2);
    static final int CHECK_TIMEOUT_SECONDS = 1;
    /**
     * A verdict older than this means the check itself is stuck: a check takes at most about two seconds (the
     * connection timeout, then the validity timeout) every two seconds.
     */
    static final Duration STALE_AFTER = Duration.ofSeconds(10);
    private static final String NOT_CHECKED = "the database has not been checked yet";

    private final DataSource dataSource;
    private final SnapshotStore snapshots;
    private final java.util.Optional<dev.snapshotsidecar.store.EventReader> events;
    private final AutoCloseable pool;
    private final LongSupplier nanoTime;
    private final ScheduledExecutorService checker;
    private volatile Verdict verdict;

    /** The last check's outcome: the problem it found, if any, and when it finished (System.nanoTime). */
    private record Verdict(Optional<String> problem, long atNanos) {
    }

    AdminDatabase(DataSource dataSource, SnapshotStore snapshots, AutoCloseable pool, LongSupplier nanoTime) {
        this(dataSource, snapshots, java.util.Optional.empty(), pool, nanoTime);
    }

    AdminDatabase(DataSource dataSource, SnapshotStore snapshots,
                  java.util.Optional<dev.snapshotsidecar.store.EventReader> events, AutoCloseable pool,
                  LongSupplier nanoTime) {
        this.dataSource = dataSource;
        this.snapshots = snapshots;
        this.events = events;
        this.pool = pool;
        this.nanoTime = nanoTime;
        this.verdict = new Verdict(Optional.of(NOT_CHECKED), nanoTime.getAsLong());
        this.checker = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "admin-database-check");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Opens the pool (no connection yet: it connects on first use) and the stores over it; checks not started. */
    public static AdminDatabase open(SidecarConfig.Database database, MeterRegistry meters) {
        HikariConfig hikari = new HikariConfig();
        hikari.setPoolName("admin-reads");
        hikari.setJdbcUrl(database.connection().jdbcUrl());
        hikari.setUsername(database.connection().user());
        database.connection().password().ifPresent(hikari::setPassword);
        hikari.setMaximumPoolSize(POOL_SIZE);
        hikari.setMinimumIdle(0);
        hikari.setInitializationFailTimeout(-1);
        hikari.setConnectionTimeout(CONNECTION_TIMEOUT.toMillis());
        hikari.setValidationTimeout(CONNECTION_TIMEOUT.toMillis() / 2);
        DialectStores.driverProperties(database).forEach(hikari::addDataSourceProperty);
        hikari.setMetricsTrackerFactory(new MicrometerMetricsTrackerFactory(meters));
        HikariDataSource pool = new HikariDataSource(hikari);
        DataSource bounded = new ReadTimeoutDataSource(pool, READ_TIMEOUT);
        DialectStores stores = DialectStores.of(database, bounded);
        return new AdminDatabase(pool, stores.snapshots(), java.util.Optional.of(stores.events()), pool,
                System::nanoTime);
    }

    /** Starts the background checks; the first runs at once. */
    public void start() {
        checker.scheduleWithFixedDelay(this::check, 0, CHECK_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Why the database cannot serve now, from the last background check; empty when it answered. Never blocks.
     */
    public Optional<String> problem() {
        Verdict last = verdict;
        long age = nanoTime.getAsLong() - last.atNanos();
        if (age > STALE_AFTER.toNanos()) {
            return Optional.of("the database has not answered a check for " + TimeUnit.NANOSECONDS.toSeconds(age)
                    + " s");
        }
        return last.problem();
    }

    /**
     * The newest snapshot of the stream, or why the database cannot tell now: at once when the last check failed,
     * else after at most the connection timeout plus the read timeout.
     */
    public AdminOperations.LatestSnapshot latest(String streamId, int schemaVersion) {
        Optional<String> problem = problem();
        if (problem.isPresent()) {
            return new AdminOperations.LatestSnapshot.Unavailable(problem.get());
        }
        try {
            return new AdminOperations.LatestSnapshot.Known(snapshots.latest(streamId, schemaVersion));
        } catch (StoreException e) {
            return new AdminOperations.LatestSnapshot.Unavailable(e.operation() + " failed (SQLSTATE "
                    + e.sqlState().orElse("none") + ", " + e.getCause().getClass().getSimpleName() + ")");
        }
    }

    /**
     * The stream's last version in the events table, for an operator's reset of its head.
     *
     * @throws dev.snapshotsidecar.store.StoreException when the database cannot say
     * @throws IllegalStateException when this admin database reads no events
     */
    public java.util.OptionalLong lastVersion(String streamId) {
        return events.orElseThrow(() -> new IllegalStateException("no event reader")).lastVersion(streamId);
    }

    /** One check; runs on the checker thread (and directly in tests). */
    void check() {
        Optional<String> problem;
        try (Connection connection = dataSource.getConnection()) {
            problem = connection.isValid(CHECK_TIMEOUT_SECONDS) ? Optional.empty()
                    : Optional.of("the database did not answer a check within " + CHECK_TIMEOUT_SECONDS + " s");
        } catch (SQLException e) {
            // the class and SQLSTATE only: a driver's message may quote the JDBC URL, which can hold a password
            problem = Optional.of("the database is not reachable (" + e.getClass().getSimpleName() + ", SQLSTATE "
                    + Optional.ofNullable(e.getSQLState()).orElse("none") + ")");
        } catch (RuntimeException e) {
            problem = Optional.of("the database check failed (" + e.getClass().getSimpleName() + ")");
        }
        Optional<String> before = verdict.problem();
        verdict = new Verdict(problem, nanoTime.getAsLong());
        if (problem.isPresent() && !problem.equals(before)) {
            LOG.warn("admin API and readiness: {}", problem.get());
        } else if (problem.isEmpty() && before.isPresent() && !before.get().equals(NOT_CHECKED)) {
            LOG.info("admin API and readiness: the database answers");
        }
    }

    @Override
    public void close() {
        checker.shutdownNow();
        try {
            pool.close();
        } catch (Exception e) {
            LOG.warn("closing the admin API's connection pool failed: {}", e.toString());
        }
    }

    /**
     * Hands out the pool's connections with a network timeout, so a database that stops answering in the middle of
     * a read holds an admin thread for that long at most. The pool restores the connection's own timeout when it
     * comes back.
     */
    private static final class ReadTimeoutDataSource implements DataSource {
        private final DataSource delegate;
        private final int timeoutMillis;

        ReadTimeoutDataSource(DataSource delegate, Duration timeout) {
            this.delegate = delegate;
            this.timeoutMillis = Math.toIntExact(timeout.toMillis());
        }

        @Override
        public Connection getConnection() throws SQLException {
            return bounded(delegate.getConnection());
        }

        @Override
        public Connection getConnection(String username, String password) throws SQLException {
            return bounded(delegate.getConnection(username, password));
        }

        private Connection bounded(Connection connection) throws SQLException {
            try {
                // the executor is where a driver may run its abort; running it inline is what HikariCP does too
                connection.setNetworkTimeout(Runnable::run, timeoutMillis);
                return connection;
            } catch (SQLFeatureNotSupportedException e) {
                return connection;
            } catch (SQLException | RuntimeException e) {
                connection.close();
                throw e;
            }
        }

        @Override
        public PrintWriter getLogWriter() throws SQLException {
            return delegate.getLogWriter();
        }

        @Override
        public void setLogWriter(PrintWriter out) throws SQLException {
            delegate.setLogWriter(out);
        }

        @Override
        public void setLoginTimeout(int seconds) throws SQLException {
            delegate.setLoginTimeout(seconds);
        }

        @Override
        public int getLoginTimeout() throws SQLException {
            return delegate.getLoginTimeout();
        }

        @Override
        public java.util.logging.Logger getParentLogger() throws SQLFeatureNotSupportedException {
            return delegate.getParentLogger();
        }

        @Override
        public <T> T unwrap(Class<T> type) throws SQLException {
            return type.isInstance(this) ? type.cast(this) : delegate.unwrap(type);
        }

        @Override
        public boolean isWrapperFor(Class<?> type) throws SQLException {
            return type.isInstance(this) || delegate.isWrapperFor(type);
        }
    }
}
