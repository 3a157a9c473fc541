package dev.snapshotsidecar.store.postgres;

import dev.snapshotsidecar.store.DialectStores;
import dev.snapshotsidecar.store.SnapshotStoreContract;
import dev.snapshotsidecar.testing.SharedStack;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import dev.snapshotsidecar.store.SnapshotStore;
import dev.snapshotsidecar.store.StoredSnapshot;
import dev.snapshotsidecar.store.TransientStoreException;
import com.zaxxer.hikari.HikariDataSource;
import dev.snapshotsidecar.config.SidecarConfig;

import java.sql.Connection;
import java.sql.Statement;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/** The snapshot store contract on a real PostgreSQL. */
@ExtendWith(SharedStack.class)
class PostgresSnapshotStoreIT extends SnapshotStoreContract {
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
    @DisplayName("a save whose event is deleted while it runs withdraws its row, and takes no lock on the events")
    void eventDeletedDuringTheSave() {
        events("patient-50", 3);
        long position = position("patient-50", 3);
        // the delete commits with the save: a trigger on the snapshots table deletes the event in the save's own
        // transaction, after the save's statement saw it, as a service's delete committing meanwhile would
        String s = schema.name();
        schema.execute("CREATE FUNCTION " + s + ".delete_event() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                        + " DELETE FROM " + s + ".events WHERE stream_id = NEW.stream_id; RETURN NEW; END $$",
                "CREATE TRIGGER delete_event AFTER INSERT ON " + s + ".snapshots FOR EACH ROW EXECUTE FUNCTION " + s
                        + ".delete_event()");
        SnapshotStore.Saved saved = stores().snapshots().saveAndPrune(
                new StoredSnapshot("patient-50", 3, "patient", "{\"n\":3}", 1), position, 3);
        assertThat(saved.write()).isEqualTo(SnapshotStore.Write.EVENT_GONE);
        assertThat(stores().snapshots().latest("patient-50", 1)).as("withdrawn").isEmpty();
    }

    @Test
    @DisplayName("a round trip that does not answer within database.statement-timeout fails as a lost connection,"
            + " which is retried, instead of waiting forever")
    void statementTimeout() throws Exception {
        SidecarConfig config = SharedStack.stack().sidecarConfig("store-it", Map.of("SIDECAR_DATABASE_SCHEMA",
                schema.name(), "SIDECAR_DATABASE_STATEMENT_TIMEOUT", "1s"));
        try (HikariDataSource bounded = DialectStores.pool(config.database(), "statement-timeout");
             Connection holder = schema.pool().getConnection(); Statement lock = holder.createStatement()) {
            SnapshotStore store = DialectStores.of(config.database(), bounded).snapshots();
            assertThat(store.latest("patient-51", 1)).as("answers while nothing holds it").isEmpty();
            // another session holds the table: the read waits on the server and no byte comes back, as on a
            // connection cut without a reset
            holder.setAutoCommit(false);
            lock.execute("LOCK TABLE " + schema.name() + ".snapshots IN ACCESS EXCLUSIVE MODE");
            // a deadline, not a speed claim: without the timeout the read would never return
            assertTimeoutPreemptively(java.time.Duration.ofSeconds(60), () -> assertThatThrownBy(
                    () -> store.latest("patient-51", 1)).isInstanceOf(TransientStoreException.class));
            holder.rollback();
        }
    }
}
