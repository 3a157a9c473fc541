package dev.snapshotsidecar.store.postgres;

import dev.snapshotsidecar.store.PermanentStoreException;
import dev.snapshotsidecar.store.StoreException;
import dev.snapshotsidecar.store.TransientStoreException;

import java.sql.SQLException;
import java.sql.SQLTransientException;
import java.util.Optional;
import java.util.Set;

/** Classifies PostgreSQL failures by SQLSTATE: retry, or give up. */
final class PostgresErrors {
    /** Retryable states outside class 08 (connection exception), which is retried as a whole. */
    private static final Set<String> TRANSIENT = Set.of(
            "40001", // serialization_failure
            "40P01", // deadlock_detected
            "53300", // too_many_connections
            "55P03", // lock_not_available
            "57P01", // admin_shutdown (failover, restart)
            "57P02", // crash_shutdown
            "57P03"); // cannot_connect_now (starting up, recovery)

    private PostgresErrors() {
    }

    static StoreException classify(String operation, SQLException e) {
        Optional<String> state = Optional.ofNullable(e.getSQLState());
        boolean transientFailure = e instanceof SQLTransientException // e.g. the pool timed out waiting
                || state.map(s -> s.startsWith("08") || TRANSIENT.contains(s)).orElse(false);
        return transientFailure
                ? new TransientStoreException(operation, state, e.getErrorCode(), e)
                : new PermanentStoreException(operation, state, e.getErrorCode(), e);
    }
}
