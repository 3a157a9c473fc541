package dev.snapshotsidecar.demo;

import dev.snapshotsidecar.config.ConfigLoader;
import dev.snapshotsidecar.config.SidecarConfig;
import dev.snapshotsidecar.fold.AggregatorRegistry;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * PostgreSQL, a Kafka broker and Kafka Connect with the Debezium PostgreSQL connector, all real and all in this
 * JVM: what the demo and the integration tests run on. {@link #close()} stops everything it started, in reverse
 * order, and drops Debezium's replication slot.
 */
public final class DemoStack implements AutoCloseable {
    /** Debezium's topic for {@code event_store.events} with the topic prefix of {@code connect/postgres.json}. */
    public static final String SOURCE_TOPIC = "eventstore.event_store.events";

    private final LocalPostgres postgres;
    private final EmbeddedKafka kafka;
    private final EmbeddedConnect connect;
    private final Path stateDirectory;
    private Optional<String> connector = Optional.empty();
    private Optional<String> slot = Optional.empty();

    private DemoStack(LocalPostgres postgres, EmbeddedKafka kafka, EmbeddedConnect connect, Path stateDirectory) {
        this.postgres = postgres;
        this.kafka = kafka;
        this.connect = connect;
        this.stateDirectory = stateDirectory;
    }

    public static DemoStack start() {
        LocalPostgres postgres = LocalPostgres.start();
        EmbeddedKafka kafka = null;
        try {
            kafka = EmbeddedKafka.start();
            EmbeddedConnect connect = EmbeddedConnect.start(kafka.bootstrapServers());
            return new DemoStack(postgres, kafka, connect, Files.createTempDirectory("sidecar-state-"));
        } catch (RuntimeException | IOException e) {
            if (kafka != null) {
                kafka.close();
            }
            postgres.close();
            throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
        }
    }

    public LocalPostgres postgres() {
        return postgres;
    }

    public EmbeddedKafka kafka() {
        return kafka;
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
        environment.put("SIDECAR_DATABASE_USER", LocalPostgres.USER);
        environment.putAll(overrides);
        return ConfigLoader.parse(resource("demo/sidecar.yaml"), environment,
                dir -> AggregatorRegistry.load(dir).names());
    }

    /**
     * Registers {@code connect/postgres.json}, the file users deploy, with only the connection pointed at this
     * stack, and waits until its task runs.
     */
    public void startConnector(String name) {
        Map<String, String> config = new HashMap<>(EmbeddedConnect.connectorFile("connect/postgres.json"));
        String slotName = name.replaceAll("[^a-z0-9_]", "_");
        config.put("name", name);
        config.put("database.hostname", "localhost");
        config.put("database.port", Integer.toString(postgres.port()));
        config.put("database.user", LocalPostgres.USER);
        config.put("database.password", "postgres");
        config.put("database.dbname", LocalPostgres.DATABASE);
        config.put("slot.name", slotName);
        config.put("publication.name", slotName);
        // the embedded stack favours latency over throughput
        config.put("poll.interval.ms", "50");
        kafka.createTopics(4, SOURCE_TOPIC);
        connect.create(config);
        connector = Optional.of(name);
        slot = Optional.of(slotName);
    }

    static String resource(String name) {
        try (InputStream in = DemoStack.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is not on the class path");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            connector.ifPresent(connect::delete);
        } finally {
            connect.close();
            slot.ifPresent(postgres::dropReplicationSlot);
            kafka.close();
            postgres.close();
            Directories.delete(stateDirectory);
        }
    }
}
