package dev.snapshotsidecar.store.sqlserver;

import java.util.Optional;

/**
 * A SQL Server product version ({@code SERVERPROPERTY('ProductVersion')}, e.g. {@code 13.0.4001.0}) and whether it
 * can run change data capture in every edition: SQL Server 2016 SP1 (13.0.4001) or later. Azure SQL reports 12.x
 * and supports CDC, so engine editions 5 (Azure SQL Database) and 8 (Managed Instance) are accepted as they are.
 */
record SqlServerVersion(int major, int minor, int build, int engineEdition) {
    static final int CDC_MAJOR = 13;
    static final int CDC_BUILD = 4001;

    static Optional<SqlServerVersion> parse(String productVersion, int engineEdition) {
        String[] parts = productVersion.trim().split("\\.");
        try {
            return Optional.of(new SqlServerVersion(Integer.parseInt(parts[0]),
                    parts.length > 1 ? Integer.parseInt(parts[1]) : 0,
                    parts.length > 2 ? Integer.parseInt(parts[2]) : 0, engineEdition));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    boolean supportsChangeDataCapture() {
        if (engineEdition == 5 || engineEdition == 8) {
            return true;
        }
        return major > CDC_MAJOR || (major == CDC_MAJOR && build >= CDC_BUILD);
    }

    @Override
    public String toString() {
        return major + "." + minor + "." + build + " (engine edition " + engineEdition + ")";
    }
}
