package dev.snapshotsidecar.store.sqlserver;

import dev.snapshotsidecar.config.SidecarConfig;
import dev.snapshotsidecar.store.CaptureFinding;
import dev.snapshotsidecar.store.CaptureFinding.Severity;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * What SQL Server can tell at start-up about the change data capture Debezium reads: CDC on for the database and the
 * events table, the newest capture instance capturing the columns the tracker needs, SQL Server Agent running (its
 * capture job fills the change tables), and the capture and cleanup jobs' settings; and that the sidecar's own
 * connection reaches a writable database, not a readable secondary. Each check reads catalog views
 * with plain SELECTs; one the login may not read is a warning saying so, never a failure. Stateless; a call takes and
 * returns a pooled connection.
 */
final class SqlServerCaptureCheck {
    /** Azure SQL Database: no Agent, CDC runs on its own scheduler, and there is no msdb to read. */
    static final int AZURE_SQL_DATABASE = 5;

    private final SidecarConfig.Database db;
    private final DataSource dataSource;

    SqlServerCaptureCheck(SidecarConfig.Database db, DataSource dataSource) {
        this.db = db;
        this.dataSource = dataSource;
    }

    List<CaptureFinding> check() {
        List<CaptureFinding> found = new ArrayList<>();
        String table = db.tables().schema() + "." + db.tables().events();
        try (Connection connection = dataSource.getConnection()) {
            Optional<Database> database = database(connection, found);
            if (database.isEmpty()) {
                return sorted(found);
            }
            if (database.get().readOnly()) {
                found.add(new CaptureFinding(Severity.PROBLEM, "the sidecar's connection reaches a read-only copy of"
                        + " database " + database.get().name() + " (a readable secondary, applicationIntent=ReadOnly):"
                        + " it writes snapshots, and a build must read every event up to the one it snapshots, which"
                        + " a lagging copy may not have yet", "point database.jdbc-url at the primary, or at the"
                        + " availability group listener without applicationIntent=ReadOnly; Debezium may read from a"
                        + " secondary"));
            }
            if (!database.get().cdcEnabled()) {
                found.add(new CaptureFinding(Severity.PROBLEM, "change data capture is off for database "
                        + database.get().name() + ", so no change event of " + table + " is ever produced",
                        "as sysadmin, run EXEC sys.sp_cdc_enable_db in it (connect/enable-cdc.sql does), then enable"
                                + " it for the table"));
            } else if (tracked(connection, found, table)) {
                capturedColumns(connection, found, table);
            }
            if (database.get().engineEdition() != AZURE_SQL_DATABASE) {
                agent(connection, found);
                jobs(connection, found);
            }
        } catch (SQLException e) {
            found.add(cannot("connect to check change data capture", e));
        }
        return sorted(found);
    }

    private record Database(String name, boolean cdcEnabled, int engineEdition, boolean readOnly) {
    }

    private Optional<Database> database(Connection connection, List<CaptureFinding> found) {
        // SERVERPROPERTY and DATABASEPROPERTYEX are sql_variant: cast, as checkServer does
        try (PreparedStatement s = connection.prepareStatement("SELECT name, is_cdc_enabled,"
                + " CAST(SERVERPROPERTY('EngineEdition') AS INT),"
                + " CAST(DATABASEPROPERTYEX(name, 'Updateability') AS NVARCHAR(32))"
                + " FROM sys.databases WHERE database_id = DB_ID()");
             ResultSet row = s.executeQuery()) {
            if (!row.next()) {
                found.add(new CaptureFinding(Severity.WARNING, "sys.databases shows no row for the current"
                        + " database: change data capture was not checked", ""));
                return Optional.empty();
            }
            return Optional.of(new Database(row.getString(1), row.getBoolean(2), row.getInt(3),
                    "READ_ONLY".equalsIgnoreCase(row.getString(4))));
        } catch (SQLException e) {
            found.add(cannot("read sys.databases", e));
            return Optional.empty();
        }
    }

    /** Whether CDC tracks the events table; a finding when it does not, or when the table is not there. */
    private boolean tracked(Connection connection, List<CaptureFinding> found, String table) {
        try (PreparedStatement s = connection.prepareStatement("SELECT t.is_tracked_by_cdc FROM sys.tables t"
                + " JOIN sys.schemas s ON s.schema_id = t.schema_id WHERE s.name = ? AND t.name = ?")) {
            s.setString(1, db.tables().schema());
            s.setString(2, db.tables().events());
            try (ResultSet row = s.executeQuery()) {
                if (!row.next()) {
                    found.add(new CaptureFinding(Severity.PROBLEM, "the events table " + table + " is not in the"
                            + " database, or this login cannot see it", "create it, or set database.schema and"
                            + " database.events-table to the service's table; the login needs SELECT on it"));
                    return false;
                }
                if (!row.getBoolean(1)) {
                    found.add(new CaptureFinding(Severity.PROBLEM, "change data capture is off for " + table
                            + ", so none of its inserts reach Kafka", "run EXEC sys.sp_cdc_enable_table"
                            + " @source_schema = N'" + db.tables().schema() + "', @source_name = N'"
                            + db.tables().events() + "', @role_name = NULL, @supports_net_changes = 0"));
                    return false;
                }
                return true;
            }
        } catch (SQLException e) {
            found.add(cannot("read sys.tables", e));
            return false;
        }
    }

    /**
     * The columns of each capture instance of the table: the newest must capture the stream id and version (what the
     * tracker cannot do without), and should capture the event type and global position.
     */
    private void capturedColumns(Connection connection, List<CaptureFinding> found, String table) {
        Map<String, Set<String>> instances = new LinkedHashMap<>();
        try (PreparedStatement s = connection.prepareStatement("SELECT ct.capture_instance, cc.column_name"
                + " FROM cdc.change_tables ct JOIN cdc.captured_columns cc ON cc.object_id = ct.object_id"
                + " WHERE ct.source_object_id = OBJECT_ID(?) ORDER BY ct.create_date DESC, ct.capture_instance")) {
            s.setString(1, table);
            try (ResultSet rows = s.executeQuery()) {
                while (rows.next()) {
                    instances.computeIfAbsent(rows.getString(1), i -> new TreeSet<>(String.CASE_INSENSITIVE_ORDER))
                            .add(rows.getString(2));
                }
            }
        } catch (SQLException e) {
            found.add(cannot("read cdc.change_tables and cdc.captured_columns (the columns each capture instance"
                    + " records)", e));
            return;
        }
        if (instances.isEmpty()) {
            found.add(new CaptureFinding(Severity.WARNING, table + " is tracked, but no capture instance of it is in"
                    + " cdc.change_tables", "check with EXEC sys.sp_cdc_help_change_data_capture"));
            return;
        }
        String newest = instances.keySet().iterator().next();
        Set<String> columns = instances.get(newest);
        SidecarConfig.Columns c = db.columns();
        List<String> missing = new ArrayList<>();
        for (String required : List.of(c.streamId(), c.streamVersion())) {
            if (!columns.contains(required)) {
                missing.add(required);
            }
        }
        if (!missing.isEmpty()) {
            found.add(new CaptureFinding(Severity.PROBLEM, "capture instance " + newest + " of " + table
                    + " does not capture " + String.join(" and ", missing) + ", which the tracker needs in every"
                    + " change event", "a capture instance records only the columns it was created with: create one"
                    + " that captures them (EXEC sys.sp_cdc_enable_table ... @capture_instance = N'" + newest
                    + "_v2'), let Debezium move to it, then drop the old one"));
        }
        if (!columns.contains(c.eventType())) {
            found.add(new CaptureFinding(Severity.WARNING, "capture instance " + newest + " does not capture "
                    + c.eventType() + ": snapshot-after-events cannot see event types", "capture it (a new capture"
                    + " instance) if an aggregate type snapshots after event types"));
        }
        if (!columns.contains(c.globalPosition())) {
            found.add(new CaptureFinding(Severity.WARNING, "capture instance " + newest + " does not capture "
                    + c.globalPosition() + ": an erasure cannot tell an erased stream's events from those of the"
                    + " same id written again", "capture it (a new capture instance)"));
        }
        if (instances.size() > 1) {
            found.add(new CaptureFinding(Severity.INFO, table + " has " + instances.size() + " capture instances "
                    + instances.keySet() + ", newest first: a schema change in progress; Debezium moves to the"
                    + " newest once it has read the older one to its end", "drop the older instance after that"
                    + " (EXEC sys.sp_cdc_disable_table ... @capture_instance = ...): two instances double the"
                    + " capture job's work"));
        }
    }

    /** Whether SQL Server Agent runs: CDC's capture job is an Agent job, and without it no change is captured. */
    private void agent(Connection connection, List<CaptureFinding> found) {
        try (PreparedStatement s = connection.prepareStatement("SELECT status_desc FROM sys.dm_server_services"
                + " WHERE servicename LIKE 'SQL Server Agent%'");
             ResultSet row = s.executeQuery()) {
            if (!row.next()) {
                found.add(new CaptureFinding(Severity.WARNING, "sys.dm_server_services lists no SQL Server Agent:"
                        + " whether it runs is not known", "make sure it runs: CDC's capture job runs in it"));
            } else if (!"Running".equalsIgnoreCase(row.getString(1))) {
                found.add(new CaptureFinding(Severity.WARNING, "SQL Server Agent is " + row.getString(1) + ": the"
                        + " capture job that fills the change tables does not run, so no change event is produced",
                        "start it (on Linux: mssql-conf set sqlagent.enabled true, and restart SQL Server)"));
            }
        } catch (SQLException e) {
            found.add(cannot("tell whether SQL Server Agent runs (sys.dm_server_services needs VIEW SERVER STATE)",
                    e));
        }
    }

    /** The capture job's polling interval (freshness) and the cleanup job's retention (how long a connector may stop). */
    private void jobs(Connection connection, List<CaptureFinding> found) {
        boolean capture = false;
        try (PreparedStatement s = connection.prepareStatement("SELECT job_type, pollinginterval, retention"
                + " FROM msdb.dbo.cdc_jobs WHERE database_id = DB_ID()");
             ResultSet rows = s.executeQuery()) {
            while (rows.next()) {
                String type = rows.getString(1).trim();
                if (type.equalsIgnoreCase("capture")) {
                    capture = true;
                    found.add(new CaptureFinding(Severity.INFO, "the capture job reads the log every "
                            + rows.getLong(2) + " s: a change reaches Kafka about that long after its commit, plus"
                            + " the connector's poll.interval.ms", ""));
                } else if (type.equalsIgnoreCase("cleanup")) {
                    long minutes = rows.getLong(3);
                    found.add(new CaptureFinding(minutes < 24 * 60 ? Severity.WARNING : Severity.INFO, "CDC keeps"
                            + " changes " + minutes + " minutes: a connector stopped longer loses them", "reconcile"
                            + " (reconcile.interval, or the reconcile command) raises the heads it leaves behind;"
                            + " sys.sp_cdc_change_job @job_type = N'cleanup', @retention = ... keeps them longer"));
                }
            }
        } catch (SQLException e) {
            found.add(cannot("read msdb.dbo.cdc_jobs (the capture job's polling interval and CDC's retention)", e));
            return;
        }
        if (!capture) {
            found.add(new CaptureFinding(Severity.WARNING, "no capture job is defined for this database: nothing"
                    + " fills the change tables", "EXEC sys.sp_cdc_add_job @job_type = N'capture'"));
        }
    }

    /** What could not be checked: the error number and class say why; their message is not shown. */
    private CaptureFinding cannot(String what, SQLException e) {
        return new CaptureFinding(Severity.WARNING, "could not " + what + " (SQL Server error " + e.getErrorCode()
                + ", SQLSTATE " + e.getSQLState() + ")", "grant the sidecar's login what it needs to read it, or check it"
                + " by hand");
    }

    private static List<CaptureFinding> sorted(List<CaptureFinding> found) {
        return found.stream().sorted(Comparator.comparing(CaptureFinding::severity).reversed()).toList();
    }
}
