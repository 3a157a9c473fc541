package dev.snapshotsidecar.store.sqlserver;

import com.zaxxer.hikari.HikariDataSource;
import dev.snapshotsidecar.config.ConfigLoader;
import dev.snapshotsidecar.config.SidecarConfig;
import dev.snapshotsidecar.store.DialectStores;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.MSSQLServerContainer;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Where the SQL Server dialect's contract tests run: H2 in MSSQLServer mode always (SQL Server's SQL, as far as H2
 * accepts it), and a real SQL Server 2022 from Testcontainers when a Docker engine answers.
 */
record SqlServerDatabase(HikariDataSource pool, DialectStores stores) implements AutoCloseable {
    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static MSSQLServerContainer<?> container;

    static SidecarConfig config(String jdbcUrl, String user, String password, String schema) {
        String yaml = """
                kafka: {bootstrap-servers: "unused:9092"}
                topics: {source: [eventstore.Clinical.event_store.events]}
                database:
                  dialect: sqlserver
                  jdbc-url: "%s"
                  user: "%s"
                  password: "%s"
                  schema: %s
                  fetch-size: 7
                  pool-size: 2
                aggregate-types:
                  patient: {stream-id-pattern: "patient-.+", aggregator: clinical.patient}
                """.formatted(jdbcUrl, user, password, schema);
        return ConfigLoader.parse(yaml, Map.of(), dir -> Set.of("clinical.patient"));
    }

    /** Empty tables in a fresh in-memory H2 database in MSSQLServer mode. */
    static SqlServerDatabase h2() {
        String url = "jdbc:h2:mem:sqlserver_" + DATABASES.incrementAndGet()
                + ";MODE=MSSQLServer;DATABASE_TO_UPPER=FALSE;DB_CLOSE_DELAY=-1";
        SidecarConfig config = config(url, "sa", "", "event_store");
        HikariDataSource pool = DialectStores.pool(config.database(), "h2-sqlserver");
        try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE ALIAS IF NOT EXISTS SYSUTCDATETIME FOR '" + H2Functions.class.getName() + ".sysUtcDateTime'");
            s.execute("CREATE ALIAS IF NOT EXISTS DATALENGTH FOR '" + H2Functions.class.getName() + ".dataLength'");
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return create(config, pool);
    }

    static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    /** Empty tables in a schema of their own on a real SQL Server 2022 (one container per test JVM). */
    static synchronized SqlServerDatabase container() {
        if (container == null) {
            container = new MSSQLServerContainer<>("mcr.microsoft.com/mssql/server:2022-latest").acceptLicense();
            container.start();
            Runtime.getRuntime().addShutdownHook(new Thread(container::stop));
        }
        SidecarConfig config = config(container.getJdbcUrl(), container.getUsername(), container.getPassword(),
                "it_" + DATABASES.incrementAndGet());
        return create(config, DialectStores.pool(config.database(), "sqlserver"));
    }

    private static SqlServerDatabase create(SidecarConfig config, HikariDataSource pool) {
        DialectStores stores = DialectStores.of(config.database(), pool);
        stores.schema().createSnapshotsTable();
        stores.schema().createEventsTable();
        return new SqlServerDatabase(pool, stores);
    }

    @Override
    public void close() {
        pool.close();
    }
}
