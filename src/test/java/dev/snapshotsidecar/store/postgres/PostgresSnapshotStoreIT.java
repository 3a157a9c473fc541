package dev.snapshotsidecar.store.postgres;

import dev.snapshotsidecar.store.DialectStores;
import dev.snapshotsidecar.store.SnapshotStoreContract;
import dev.snapshotsidecar.testing.SharedStack;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;

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
}
