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

    /** SYSUTCDATETIME(): the current UTC time. */
    public static Timestamp sysUtcDateTime() {
        return Timestamp.from(Instant.now());
    }
}
