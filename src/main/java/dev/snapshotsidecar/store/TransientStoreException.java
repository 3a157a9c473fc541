package dev.snapshotsidecar.store;

import java.util.Optional;

/** The database is unreachable, failing over, or chose this transaction as a deadlock victim: retry with backoff. */
public class TransientStoreException extends StoreException {
    public TransientStoreException(String operation, Optional<String> sqlState, int vendorCode, Throwable cause) {
        super(operation, sqlState, vendorCode, "will retry with backoff", cause);
    }
}
