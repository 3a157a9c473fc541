package dev.snapshotsidecar.testkit;

/**
 * A PostgreSQL server with {@code wal_level=logical} the stack can use: the embedded one, or a container in tests
 * where Docker exists. The user may create replication slots and publications.
 */
public interface RunningPostgres extends AutoCloseable {
    String jdbcUrl();

    String host();

    int port();

    String user();

    String password();

    String database();

    @Override
    void close();
}
