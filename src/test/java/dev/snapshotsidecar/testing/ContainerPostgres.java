package dev.snapshotsidecar.testing;

import dev.snapshotsidecar.testkit.RunningPostgres;
import org.testcontainers.containers.PostgreSQLContainer;

/** PostgreSQL 15 in a container, with logical decoding for Debezium. Used only where a Docker engine exists. */
final class ContainerPostgres implements RunningPostgres {
    private final PostgreSQLContainer<?> container;

    private ContainerPostgres(PostgreSQLContainer<?> container) {
        this.container = container;
    }

    static ContainerPostgres start() {
        PostgreSQLContainer<?> container = new PostgreSQLContainer<>("postgres:15")
                .withCommand("postgres", "-c", "wal_level=logical", "-c", "max_replication_slots=10",
                        "-c", "max_wal_senders=10");
        container.start();
        return new ContainerPostgres(container);
    }

    @Override
    public String jdbcUrl() {
        return container.getJdbcUrl();
    }

    @Override
    public String host() {
        return container.getHost();
    }

    @Override
    public int port() {
        return container.getMappedPort(PostgreSQLContainer.POSTGRESQL_PORT);
    }

    @Override
    public String user() {
        return container.getUsername();
    }

    @Override
    public String password() {
        return container.getPassword();
    }

    @Override
    public String database() {
        return container.getDatabaseName();
    }

    @Override
    public void close() {
        container.stop();
    }
}
