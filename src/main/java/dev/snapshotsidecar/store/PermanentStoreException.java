package dev.snapshotsidecar.store;

import java.util.Optional;

/** A failure retrying cannot fix (missing table, bad column, permission): the build fails with this reason. */
public class PermanentStoreException extends StoreException {
    public PermanentStoreException(String operation, Optional<String> sqlState, int vendorCode, Throwable cause) {
        super(operation, sqlState, vendorCode, "not retried: fix the database or the configuration", cause);
    }
}
