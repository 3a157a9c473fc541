package dev.snapshotsidecar.store.sqlserver;

import java.sql.Timestamp;
import java.time.Instant;

/** SQL Server functions H2 lacks, registered as aliases so the dialect's DDL runs unchanged. */
public final class H2Functions {
    private H2Functions() {
    }

    /** SYSUTCDATETIME(): the current UTC time. */
    public static Timestamp sysUtcDateTime() {
        return Timestamp.from(Instant.now());
    }
}
