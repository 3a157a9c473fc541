package dev.snapshotsidecar.testkit;

import dev.snapshotsidecar.config.ConfigLoader;
import dev.snapshotsidecar.config.ConnectorConfig;
import dev.snapshotsidecar.config.SidecarConfig;
import dev.snapshotsidecar.fold.AggregatorRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * PostgreSQL, a Kafka broker and Kafka Connect with the Debezium PostgreSQL connector, all real and all in this
 * JVM: what the demo and the integration tests run on. {@link #close()} stops everything it started, in reverse
 * order, and drops Debezium's replication slot.
 */
public final class DemoStack implements AutoCloseable {
    /** Debezium's topic for {@code event_store.events} with the topic prefix of {@code connect/postgres.json}. */
    public static final String SOURCE_TOPIC = "eventstore.event_store.events";

    private final RunningPostgres postgres;
    private final RunningKafka kafka;
    private final EmbeddedConnect connect;
    private final Path stateDirectory;
    private final List<String> connectors = new ArrayList<>();
    private final List<String> slots = new ArrayList<>();

    private DemoStack(RunningPostgres postgres, RunningKafka kafka, EmbeddedConnect connect, Path stateDirectory) {
        this.postgres = postgres;
        this.kafka = kafka;
        this.connect = connect;
        this.stateDirectory = stateDirectory;
    }

    /** The embedded stack: PostgreSQL from zonky and the broker in this JVM. */
    public static DemoStack start() {
        LocalPostgres postgres = LocalPostgres.start();
        try {
            return start(postgres, EmbeddedKafka.start());
        } catch (RuntimeException e) {
            postgres.close();
            throw e;
        }
    }

    /** A stack on the given servers; Kafka Connect always runs in this JVM. Takes ownership of both. */
    public static DemoStack start(RunningPostgres postgres, RunningKafka kafka) {
        try {
            EmbeddedConnect connect = EmbeddedConnect.start(kafka.bootstrapServers());
            return new DemoStack(postgres, kafka, connect, Files.createTempDirectory("sidecar-state-"));
        } catch (RuntimeException | IOException e) {
            kafka.close();
            postgres.close();
            throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
        }
    }

    public RunningPostgres postgres() {
        return postgres;
    }

    public RunningKafka kafka() {
        return kafka;
    }

    public Path stateDirectory() {
        return stateDirectory;
    }

    /** Whether every partition has a leader; a topic just created may not be known to the broker yet. */
    private static boolean leadersElected(Admin admin, String... topics) throws Exception {
        try {
            return admin.describeTopics(Arrays.asList(topics)).allTopicNames().get(30, TimeUnit.SECONDS).values()
                    .stream().flatMap(d -> d.partitions().stream()).allMatch(p -> p.leader() != null);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException) {
                return false;
            }
            throw e;
        }
    }

    /** Creates topics that do not exist yet. */
    public void createTopics(int partitions, String... topics) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            List<NewTopic> missing = Arrays.stream(topics).filter(t -> !existing.contains(t))
                    .map(t -> new NewTopic(t, partitions, (short) 1)).toList();
            if (!missing.isEmpty()) {
                admin.createTopics(missing).all().get(30, TimeUnit.SECONDS);
            }
            // wait until every partition has a leader, so the first produce does not race the election
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!leadersElected(admin, topics)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("no leader for " + Arrays.toString(topics) + " after 30 s");
                }
                Thread.sleep(50);
            }
        } catch (Exception e) {
            throw new IllegalStateException("cannot create topics " + Arrays.toString(topics), e);
        }
    }

    public EmbeddedConnect connect() {
        return connect;
    }

    /**
     * The demo configuration ({@code demo/sidecar.yaml}) pointed at this stack through environment overrides, as
     * a deployment would point it at its own.
     *
     * @param applicationId distinct per sidecar so tests do not share state
     * @param overrides     more {@code SIDECAR_*} overrides
     */
    public SidecarConfig sidecarConfig(String applicationId, Map<String, String> overrides) {
        Map<String, String> environment = new HashMap<>();
        environment.put("SIDECAR_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
        environment.put("SIDECAR_KAFKA_APPLICATION_ID", applicationId);
        environment.put("SIDECAR_KAFKA_STATE_DIR", stateDirectory.resolve(applicationId).toString());
        environment.put("SIDECAR_DATABASE_JDBC_URL", postgres.jdbcUrl());
        environment.put("SIDECAR_DATABASE_USER", postgres.user());
        environment.put("SIDECAR_DATABASE_PASSWORD", postgres.password());
        environment.putAll(overrides);
        return ConfigLoader.parse(resource("demo/sidecar.yaml"), environment,
                dir -> AggregatorRegistry.load(dir).names());
    }

    /**
     * The demo configuration with an overlay (a file of {@code examples/}, e.g. {@code examples/jsonata/prescription.yaml})
     * laid over it, as {@code verify --compare-with} lays one: the types it names fold its way.
     */
    public SidecarConfig sidecarConfig(String applicationId, Map<String, String> overrides, String overlayResource) {
        Map<String, String> environment = new HashMap<>(environment(applicationId));
        environment.putAll(overrides);
        return ConfigLoader.parse(resource("demo/sidecar.yaml"), java.util.Optional.of(resource(overlayResource)),
                environment, dir -> AggregatorRegistry.load(dir).names());
    }

    private Map<String, String> environment(String applicationId) {
        Map<String, String> environment = new HashMap<>();
        environment.put("SIDECAR_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
        environment.put("SIDECAR_KAFKA_APPLICATION_ID", applicationId);
        environment.put("SIDECAR_KAFKA_STATE_DIR", stateDirectory.resolve(applicationId).toString());
        environment.put("SIDECAR_DATABASE_JDBC_URL", postgres.jdbcUrl());
        environment.put("SIDECAR_DATABASE_USER", postgres.user());
        environment.put("SIDECAR_DATABASE_PASSWORD", postgres.password());
        return environment;
    }

    /**
     * Registers {@code connect/postgres.json}, the file users deploy, as the {@code connector-config} command
     * derives it from the sidecar's configuration, with the credentials and replication slot of this stack; waits
     * until its task runs.
     */
    public synchronized void startConnector(String name) {
        if (connectors.contains(name)) {
            return;
        }
        Map<String, String> config = new HashMap<>(
                ConnectorConfig.derive(sidecarConfig("connector", Map.of())).withName());
        String slotName = name.replaceAll("[^a-z0-9_]", "_");
        config.put("name", name);
        config.put("database.user", postgres.user());
        config.put("database.password", postgres.password());
        config.put("slot.name", slotName);
        config.put("publication.name", slotName);
        // the embedded stack favours latency over throughput
        config.put("poll.interval.ms", "50");
        createTopics(4, SOURCE_TOPIC);
        connect.create(config);
        connectors.add(name);
        slots.add(slotName);
    }

    /** A text resource of the test kit: {@code demo/sidecar.yaml}, {@code examples/...}. */
    public static String resource(String name) {
        try (InputStream in = DemoStack.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is not on the class path");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Drops a replication slot: an inactive slot keeps WAL forever. */
    private void dropReplicationSlot(String slot) {
        try (Connection c = DriverManager.getConnection(postgres.jdbcUrl(), postgres.user(), postgres.password());
             PreparedStatement s = c.prepareStatement("SELECT pg_drop_replication_slot(slot_name) "
                     + "FROM pg_replication_slots WHERE slot_name = ? AND NOT active")) {
            s.setString(1, slot);
            s.execute();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot drop replication slot " + slot, e);
        }
    }

    @Override
    public void close() {
        try {
            connectors.forEach(connect::delete);
        } finally {
            connect.close();
            slots.forEach(this::dropReplicationSlot);
            kafka.close();
            postgres.close();
            Directories.delete(stateDirectory);
        }
    }
}
