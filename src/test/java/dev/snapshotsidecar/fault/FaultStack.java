package dev.snapshotsidecar.fault;

import dev.snapshotsidecar.testkit.KRaftBroker;
import com.zaxxer.hikari.HikariDataSource;
import dev.snapshotsidecar.config.ConfigLoader;
import dev.snapshotsidecar.config.ConnectorConfig;
import dev.snapshotsidecar.config.SidecarConfig;
import dev.snapshotsidecar.testkit.EmbeddedConnect;
import dev.snapshotsidecar.testkit.LocalPostgres;
import dev.snapshotsidecar.fold.AggregatorRegistry;
import dev.snapshotsidecar.store.DialectStores;
import dev.snapshotsidecar.testing.TcpProxy;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The real parts of one fault run, all its own: PostgreSQL (zonky) with the schema {@value #SCHEMA}, a
 * {@link TcpProxy} in front of it that only the sidecars connect through (the workload and Debezium connect
 * directly, so events keep flowing while the sidecars' database is cut), a {@link KRaftBroker}, and Kafka
 * Connect in this JVM with the Debezium PostgreSQL connector derived from the sidecars' own configuration.
 * Everything lives under {@code target/fault/}, emptied at the start of a run. {@link #close()} stops all of it.
 */
final class FaultStack implements AutoCloseable {
    static final String SCHEMA = "fault_store";
    static final String SOURCE_TOPIC = "fault." + SCHEMA + ".events";
    static final int PARTITIONS = 4;

    final Path root;
    final String runId;
    final LocalPostgres postgres;
    final TcpProxy databaseProxy;
    final KRaftBroker broker;
    final Path pluginDirectory;
    final Path sidecarConfigFile;
    final Path delayFile;
    final SidecarConfig config;
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private EmbeddedConnect connect;

    private FaultStack(Path root, String runId) throws IOException {
        this.root = root;
        this.runId = runId;
        long started = System.nanoTime();
        postgres = LocalPostgres.start();
        closeables.add(postgres);
        databaseProxy = new TcpProxy("localhost", postgres.port());
        closeables.add(databaseProxy);
        broker = new KRaftBroker(root.resolve("broker"));
        closeables.add(broker);
        broker.start();
        pluginDirectory = root.resolve("plugins");
        PluginJar.write(pluginDirectory);
        delayFile = root.resolve("fold-delay-ms");
        Files.writeString(delayFile, "0");
        sidecarConfigFile = root.resolve("sidecar.yaml");
        Files.writeString(sidecarConfigFile, sidecarYaml(proxiedJdbcUrl()));
        config = ConfigLoader.parse(sidecarYaml(postgres.jdbcUrl()), Map.of(),
                dir -> AggregatorRegistry.load(dir).names());
        createTables();
        createTopics(SOURCE_TOPIC);
        connect = EmbeddedConnect.start(broker.bootstrapServers());
        connect.create(connectorConfig());
        System.out.printf("fault stack up in %d ms: PostgreSQL on %d (sidecars through proxy %d), broker %s%n",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), postgres.port(), databaseProxy.port(),
                broker.bootstrapServers());
    }

    static FaultStack start(Path root, String runId) {
        try {
            deleteRecursively(root);
            Files.createDirectories(root);
            return new FaultStack(root, runId);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare " + root, e);
        }
    }

    String topic(String role) {
        return runId + "-" + role;
    }

    String applicationId() {
        return runId;
    }

    private String proxiedJdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + databaseProxy.port() + "/" + postgres.database();
    }

    /**
     * The sidecars' configuration: the shape of {@code demo/sidecar.yaml} with this run's topics, its own schema,
     * short timings and snapshots never pruned, so the oracle sees every snapshot ever written. Per-process values
     * (HTTP port, state directory) come from environment overrides.
     */
    private String sidecarYaml(String jdbcUrl) {
        StringBuilder types = new StringBuilder();
        FaultSettings.THRESHOLDS.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(t -> types
                .append("  ").append(t.getKey()).append(":\n")
                .append("    stream-id-pattern: \"").append(t.getKey()).append("-.+\"\n")
                .append("    aggregator: ").append(DigestChainAggregator.NAME).append('\n')
                .append("    every-n-events: ").append(t.getValue()).append('\n')
                .append("    keep-snapshots: 1000000\n"));
        return """
                kafka:
                  bootstrap-servers: %s
                  application-id: %s
                  properties:
                    session.timeout.ms: 6000
                topics:
                  source: [%s]
                  requests: %s
                  results: %s
                  dead-letters: %s
                  commands: %s
                  partitions: %d
                database:
                  dialect: postgres
                  jdbc-url: %s
                  user: %s
                  password: %s
                  schema: %s
                aggregate-types:
                %s
                tracker:
                  scan-interval: 1s
                  request-timeout: 20s
                  failure-backoff: 2s
                worker:
                  concurrency: 4
                  max-builds-per-second: 1000
                  retry-give-up-after: %ds
                http:
                  port: -1
                  reads-open: true
                plugins:
                  directory: %s
                """.formatted(broker.bootstrapServers(), applicationId(), SOURCE_TOPIC, topic("requests"),
                topic("results"), topic("dead-letters"), topic("commands"), PARTITIONS, jdbcUrl, postgres.user(),
                postgres.password(), SCHEMA, types.toString().stripTrailing(),
                FaultSettings.GIVE_UP_AFTER.toSeconds(), pluginDirectory.toAbsolutePath());
    }

    private void createTables() {
        try (HikariDataSource pool = DialectStores.pool(config.database(), "fault-setup")) {
            DialectStores stores = DialectStores.of(config.database(), pool);
            stores.schema().createEventsTable(); // REPLICA IDENTITY FULL: deletes carry the stream id
            stores.schema().createSnapshotsTable();
        }
    }

    private Map<String, String> connectorConfig() {
        Map<String, String> c = new HashMap<>(ConnectorConfig.derive(config).withName());
        String slot = runId.replaceAll("[^a-z0-9_]", "_");
        c.put("name", "fault-postgres");
        c.put("database.user", postgres.user());
        c.put("database.password", postgres.password());
        c.put("slot.name", slot);
        c.put("publication.name", slot);
        c.put("poll.interval.ms", "50");
        return c;
    }

    void createTopics(String... topics) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
            var existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            List<NewTopic> missing = Stream.of(topics).filter(t -> !existing.contains(t))
                    .map(t -> new NewTopic(t, PARTITIONS, (short) 1)).toList();
            if (!missing.isEmpty()) {
                admin.createTopics(missing).all().get(30, TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            throw new IllegalStateException("cannot create topics " + List.of(topics), e);
        }
    }

    /** A new connection straight to PostgreSQL (not through the proxy). */
    Connection connection() throws SQLException {
        return DriverManager.getConnection(postgres.jdbcUrl(), postgres.user(), postgres.password());
    }

    String table(String name) {
        return SCHEMA + "." + name;
    }

    @Override
    public void close() {
        if (connect != null) {
            try {
                connect.close();
            } catch (RuntimeException e) {
                System.out.println("stopping Kafka Connect failed: " + e);
            }
        }
        for (int i = closeables.size() - 1; i >= 0; i--) {
            try {
                closeables.get(i).close();
            } catch (Exception e) {
                System.out.println("stopping " + closeables.get(i).getClass().getSimpleName() + " failed: " + e);
            }
        }
    }

    static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(path)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
