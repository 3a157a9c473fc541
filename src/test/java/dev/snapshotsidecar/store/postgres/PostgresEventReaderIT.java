package dev.snapshotsidecar.store.postgres;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.snapshotsidecar.config.SidecarConfig;
import dev.snapshotsidecar.store.DialectStores;
import dev.snapshotsidecar.store.EventReaderContract;
import dev.snapshotsidecar.store.PermanentStoreException;
import dev.snapshotsidecar.store.TransientStoreException;
import dev.snapshotsidecar.testing.SharedStack;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.ServerSocket;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The event reader contract on a real PostgreSQL, and how its failures are classified. */
@ExtendWith(SharedStack.class)
class PostgresEventReaderIT extends EventReaderContract {
    FreshSchema schema;

    @BeforeEach
    void create() {
        schema = FreshSchema.create();
    }

    @AfterEach
    void close() {
        schema.close();
    }

    @Override
    protected DialectStores stores() {
        return schema.stores();
    }

    @Test
    @DisplayName("a missing table is a permanent failure; an unreachable server is transient, to be retried")
    void classification() throws Exception {
        SidecarConfig config = FreshSchema.config("no_such_schema");
        try (HikariDataSource pool = DialectStores.pool(config.database(), "store-it")) {
            DialectStores stores = DialectStores.of(config.database(), pool);
            assertThatThrownBy(() -> stores.snapshots().latest("x", 1)).isInstanceOf(PermanentStoreException.class)
                    .hasMessageContaining("42P01").hasMessageContaining("not retried");
        }
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        HikariConfig unreachable = new HikariConfig();
        unreachable.setJdbcUrl("jdbc:postgresql://localhost:" + closedPort + "/postgres");
        unreachable.setUsername("postgres");
        unreachable.setConnectionTimeout(500);
        unreachable.setInitializationFailTimeout(-1);
        try (HikariDataSource pool = new HikariDataSource(unreachable)) {
            DialectStores stores = DialectStores.of(config.database(), pool);
            assertThatThrownBy(() -> stores.events().read("x", 0, 1, e -> { }))
                    .isInstanceOf(TransientStoreException.class).hasMessageContaining("will retry");
        }
    }
}
