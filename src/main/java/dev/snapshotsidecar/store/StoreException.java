package dev.snapshotsidecar.store;

import dev.snapshotsidecar.SidecarException;

import java.util.Optional;

/**
 * A database operation failed. The subclass says whether to retry ({@link TransientStoreException}) or give up
 * ({@link PermanentStoreException}); the dialect decides from the SQLSTATE or vendor code, never from the message.
 */
public abstract class StoreException extends SidecarException {
    private final String operation;
    private final Optional<String> sqlState;
    private final int vendorCode;

    protected StoreException(String operation, Optional<String> sqlState, int vendorCode, String next, Throwable cause) {
        super(operation + " failed (SQLSTATE " + sqlState.orElse("none") + ", code " + vendorCode + "): "
                + cause.getClass().getSimpleName() + "; " + next, cause);
        this.operation = operation;
        this.sqlState = sqlState;
        this.vendorCode = vendorCode;
    }

    public String operation() {
        return operation;
    }

    public Optional<String> sqlState() {
        return sqlState;
    }

    public int vendorCode() {
        return vendorCode;
    }
}
