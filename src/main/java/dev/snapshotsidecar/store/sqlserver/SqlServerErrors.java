package dev.snapshotsidecar.store.sqlserver;

import dev.snapshotsidecar.store.PermanentStoreException;
import dev.snapshotsidecar.store.StoreException;
import dev.snapshotsidecar.store.TransientStoreException;

import java.sql.SQLException;
import java.sql.SQLTransientException;
import java.util.Optional;
import java.util.Set;

/** Classifies SQL Server failures by error number (and the JDBC connection SQLSTATE class 08): retry, or give up. */
final class SqlServerErrors {
    /** Error numbers worth retrying: deadlocks, lock timeouts, failovers, throttling, resource limits. */
    static final Set<Integer> TRANSIENT = Set.of(
            1205,  // chosen as deadlock victim
            1222,  // lock request time out
            233, 10053, 10054, 10060, 64, // connection dropped or refused by the transport
            4060,  // cannot open database (failover in progress)
            4221,  // login to read-secondary failed: the replica is not ready
            976, 978, 983, // availability group replica not accessible yet
            3960,  // snapshot isolation update conflict
            3935,  // FILESTREAM deadlock
            8645, 8651, // waiting for memory
            40197, 40501, 40613, 49918, 49919, 49920, // Azure SQL: service busy, reconfiguring, throttled
            41301, 41302, 41305, 41325, 41839); // in-memory OLTP commit dependency and validation conflicts

    /** Duplicate key in a unique index (2601) or primary key (2627); 23505 is the ANSI state H2 reports. */
    static boolean isDuplicateKey(SQLException e) {
        return e.getErrorCode() == 2627 || e.getErrorCode() == 2601 || "23505".equals(e.getSQLState());
    }

    private SqlServerErrors() {
    }

    static StoreException classify(String operation, SQLException e) {
        Optional<String> state = Optional.ofNullable(e.getSQLState());
        boolean transientFailure = e instanceof SQLTransientException
                || TRANSIENT.contains(e.getErrorCode())
                || state.map(s -> s.startsWith("08")).orElse(false);
        return transientFailure
                ? new TransientStoreException(operation, state, e.getErrorCode(), e)
                : new PermanentStoreException(operation, state, e.getErrorCode(), e);
    }
}
