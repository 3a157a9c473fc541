package dev.snapshotsidecar.store.sqlserver;

import dev.snapshotsidecar.store.CaptureFinding;
import dev.snapshotsidecar.store.CaptureFinding.Severity;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The SQL Server dialect's start-up checks of change data capture, their SQL run on H2 in MSSQLServer mode against
 * tables shaped like SQL Server's catalog views ({@code sys.databases}, {@code sys.tables}, {@code sys.schemas},
 * {@code cdc.change_tables}, {@code cdc.captured_columns}, {@code sys.dm_server_services}), with DB_ID, OBJECT_ID
 * and SERVERPROPERTY as stand-ins.
 *
 * <p>What could not be run here: the real catalog views and their permissions (who may read {@code cdc.*} and
 * {@code sys.dm_server_services}, and the error numbers a refusal gives), and {@code msdb.dbo.cdc_jobs}: H2 cannot
 * name another database, so that query fails here and the check reports it as not checked, which is what it does
 * for a login that may not read msdb.
 */
class SqlServerCaptureCheckIT {
    SqlServerDatabase database;

    @BeforeEach
    void catalog() throws SQLException {
        database = SqlServerDatabase.h2();
        execute("CREATE ALIAS IF NOT EXISTS DB_ID FOR '" + H2Functions.class.getName() + ".dbId'",
                "CREATE ALIAS IF NOT EXISTS OBJECT_ID FOR '" + H2Functions.class.getName() + ".objectId'",
                "CREATE ALIAS IF NOT EXISTS SERVERPROPERTY FOR '" + H2Functions.class.getName() + ".serverProperty'",
                "CREATE ALIAS IF NOT EXISTS DATABASEPROPERTYEX FOR '" + H2Functions.class.getName()
                        + ".databasePropertyEx'",
                "CREATE SCHEMA sys", "CREATE SCHEMA cdc",
                "CREATE TABLE sys.databases (database_id INT, name NVARCHAR(128), is_cdc_enabled BIT)",
                "CREATE TABLE sys.schemas (schema_id INT, name NVARCHAR(128))",
                "CREATE TABLE sys.tables (object_id INT, schema_id INT, name NVARCHAR(128), is_tracked_by_cdc BIT)",
                "CREATE TABLE cdc.change_tables (object_id INT, source_object_id INT, capture_instance NVARCHAR(128),"
                        + " create_date DATETIME2)",
                "CREATE TABLE cdc.captured_columns (object_id INT, column_name NVARCHAR(128))",
                "CREATE TABLE sys.dm_server_services (servicename NVARCHAR(256), status_desc NVARCHAR(256))",
                "INSERT INTO sys.databases VALUES (" + H2Functions.DB_ID + ", N'Clinical', 1)",
                "INSERT INTO sys.schemas VALUES (5, N'event_store')",
                "INSERT INTO sys.tables VALUES (" + H2Functions.objectId("event_store.events") + ", 5, N'events', 1)",
                "INSERT INTO sys.dm_server_services VALUES (N'SQL Server Agent (MSSQLSERVER)', N'Running')");
        instance(1, "event_store_events", "2026-01-01 00:00:00", "global_position", "stream_id", "stream_version",
                "event_type", "created_at");
    }

    @AfterEach
    void close() {
        database.close();
    }

    void execute(String... statements) throws SQLException {
        try (Connection c = database.pool().getConnection(); Statement s = c.createStatement()) {
            for (String sql : statements) {
                s.execute(sql);
            }
        }
    }

    void instance(int id, String name, String created, String... columns) throws SQLException {
        execute("INSERT INTO cdc.change_tables VALUES (" + (1000 + id) + ", " + H2Functions.objectId(
                "event_store.events") + ", N'" + name + "', TIMESTAMP '" + created + "')");
        for (String column : columns) {
            execute("INSERT INTO cdc.captured_columns VALUES (" + (1000 + id) + ", N'" + column + "')");
        }
    }

    List<CaptureFinding> check() {
        return database.stores().schema().checkCapture();
    }

    static List<String> of(List<CaptureFinding> findings, Severity severity) {
        return findings.stream().filter(f -> f.severity() == severity).map(CaptureFinding::toString).toList();
    }

    @Test
    @DisplayName("all in place: no problem; msdb's jobs cannot be read here and say so")
    void inPlace() {
        List<CaptureFinding> findings = check();
        assertThat(of(findings, Severity.PROBLEM)).isEmpty();
        assertThat(of(findings, Severity.WARNING)).singleElement().asString()
                .startsWith("could not read msdb.dbo.cdc_jobs");
    }

    @Test
    @DisplayName("CDC off for the database, or for the events table, is a problem that says what to run")
    void off() throws SQLException {
        execute("UPDATE sys.tables SET is_tracked_by_cdc = 0");
        assertThat(of(check(), Severity.PROBLEM)).singleElement().asString()
                .contains("change data capture is off for event_store.events")
                .contains("EXEC sys.sp_cdc_enable_table @source_schema = N'event_store', @source_name = N'events'");
        execute("UPDATE sys.databases SET is_cdc_enabled = 0");
        assertThat(of(check(), Severity.PROBLEM)).singleElement().asString()
                .contains("change data capture is off for database Clinical").contains("sys.sp_cdc_enable_db");
        execute("DELETE FROM sys.tables");
        execute("UPDATE sys.databases SET is_cdc_enabled = 1");
        assertThat(of(check(), Severity.PROBLEM)).singleElement().asString()
                .contains("the events table event_store.events is not in the database");
    }

    @Test
    @DisplayName("the newest capture instance must capture stream id and version; event type and position are"
            + " warned about; two instances are a schema change in progress")
    void columns() throws SQLException {
        instance(2, "event_store_events_v2", "2026-06-01 00:00:00", "stream_id", "event_data");
        List<CaptureFinding> findings = check();
        assertThat(of(findings, Severity.PROBLEM)).singleElement().asString()
                .contains("capture instance event_store_events_v2 of event_store.events does not capture"
                        + " stream_version");
        assertThat(of(findings, Severity.WARNING)).anySatisfy(w -> assertThat(w).contains("does not capture"
                + " event_type: snapshot-after-events")).anySatisfy(w -> assertThat(w).contains("does not capture"
                + " global_position"));
        assertThat(of(findings, Severity.INFO)).singleElement().asString()
                .contains("2 capture instances [event_store_events_v2, event_store_events]");
        assertThat(findings.get(0).severity()).as("problems first").isEqualTo(Severity.PROBLEM);
    }

    @Test
    @DisplayName("a stopped Agent is a warning with how to start it; one that cannot be seen is a warning too")
    void agent() throws SQLException {
        execute("UPDATE sys.dm_server_services SET status_desc = N'Stopped'");
        assertThat(of(check(), Severity.WARNING)).anySatisfy(w -> assertThat(w)
                .contains("SQL Server Agent is Stopped").contains("mssql-conf set sqlagent.enabled true"));
        execute("DROP TABLE sys.dm_server_services"); // as a login without VIEW SERVER STATE gets nothing
        assertThat(of(check(), Severity.WARNING)).anySatisfy(w -> assertThat(w)
                .startsWith("could not tell whether SQL Server Agent runs"));
        execute("DROP TABLE cdc.captured_columns");
        assertThat(of(check(), Severity.WARNING)).anySatisfy(w -> assertThat(w)
                .startsWith("could not read cdc.change_tables and cdc.captured_columns"));
        assertThat(of(check(), Severity.PROBLEM)).as("what could not be checked fails nothing").isEmpty();
    }

    @Test
    @DisplayName("a connection that reaches a read-only secondary is a problem: the sidecar writes, and must read"
            + " every event")
    void readOnly() throws SQLException {
        execute("CREATE TABLE sys.server_properties (name NVARCHAR(128), property_value NVARCHAR(128))",
                "INSERT INTO sys.server_properties VALUES (N'Updateability', N'READ_ONLY')");
        assertThat(of(check(), Severity.PROBLEM)).singleElement().asString()
                .contains("reaches a read-only copy of database Clinical")
                .contains("without applicationIntent=ReadOnly");
    }

    @Test
    @DisplayName("Azure SQL Database has no Agent and no msdb: neither is checked there")
    void azure() throws SQLException {
        execute("CREATE TABLE sys.server_properties (name NVARCHAR(128), property_value NVARCHAR(128))",
                "INSERT INTO sys.server_properties VALUES (N'EngineEdition', N'"
                        + SqlServerCaptureCheck.AZURE_SQL_DATABASE + "')",
                "DROP TABLE sys.dm_server_services");
        assertThat(check()).isEmpty();
    }
}
