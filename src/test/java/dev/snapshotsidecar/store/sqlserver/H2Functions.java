package dev.snapshotsidecar.store.sqlserver;

import java.sql.Timestamp;
import java.time.Instant;

/** SQL Server functions H2 lacks, registered as aliases so the dialect's DDL runs unchanged. */
public final class H2Functions {
    private H2Functions() {
    }

    /**
     * ISJSON(text): 1 when the text is JSON, else 0 (NULL for NULL), as SQL Server 2016 and later answer it. A
     * stand-in: SQL Server's own parser decides there, Jackson's here.
     */
    public static Integer isJson(String text) {
        if (text == null) {
            return null;
        }
        try (com.fasterxml.jackson.core.JsonParser parser = new com.fasterxml.jackson.databind.ObjectMapper()
                .createParser(text)) {
            while (parser.nextToken() != null) {
                // reading every token is what finds an unclosed object or a trailing comma
            }
            return 1;
        } catch (java.io.IOException e) {
            return 0;
        }
    }

    /** DATALENGTH(nvarchar): the bytes SQL Server stores, two per UTF-16 code unit (NULL for NULL). */
    public static Long dataLength(String text) {
        return text == null ? null : 2L * text.length();
    }

    /** What DB_ID() answers: the current database's id in the catalog tables a test makes. */
    public static final int DB_ID = 7;

    /** DB_ID(): the current database's id. */
    public static int dbId() {
        return DB_ID;
    }

    /** OBJECT_ID(name): a stable id per object name, for catalog tables a test fills with the same function. */
    public static int objectId(String name) {
        return Math.abs(name.toLowerCase(java.util.Locale.ROOT).hashCode() % 1_000_000);
    }

    /**
     * SERVERPROPERTY(name): the value a test put in {@code sys.server_properties (name, property_value)}, else what a SQL
     * Server 2022 Enterprise edition answers for EngineEdition (3).
     */
    public static String serverProperty(java.sql.Connection connection, String name) throws java.sql.SQLException {
        try (java.sql.PreparedStatement s = connection.prepareStatement(
                "SELECT property_value FROM sys.server_properties WHERE name = ?")) {
            s.setString(1, name);
            try (java.sql.ResultSet row = s.executeQuery()) {
                return row.next() ? row.getString(1) : "3";
            }
        } catch (java.sql.SQLException e) {
            return "3"; // no such table: the defaults
        }
    }

    /**
     * DATABASEPROPERTYEX(database, name): the value a test put in {@code sys.server_properties} under the property's
     * name, else what a writable database answers for Updateability (READ_WRITE).
     */
    public static String databasePropertyEx(java.sql.Connection connection, String database, String name)
            throws java.sql.SQLException {
        String value = serverProperty(connection, name);
        return "3".equals(value) ? "READ_WRITE" : value;
    }

    /** SYSUTCDATETIME(): the current UTC time. */
    public static Timestamp sysUtcDateTime() {
        return Timestamp.from(Instant.now());
    }
}
