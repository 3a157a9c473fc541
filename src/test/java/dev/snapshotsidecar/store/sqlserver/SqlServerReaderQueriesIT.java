package dev.snapshotsidecar.store.sqlserver;

import dev.snapshotsidecar.clinical.PatientAggregator;
import dev.snapshotsidecar.clinical.PatientState;
import dev.snapshotsidecar.fold.StoredEvent;
import dev.snapshotsidecar.store.EventAppender;
import dev.snapshotsidecar.store.SnapshottingRepository;
import dev.snapshotsidecar.store.StoredSnapshot;
import dev.snapshotsidecar.testkit.ClinicalEvents;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The SQL docs/sqlserver.md gives non-JVM readers, run as written there with the SQL Server dialect's tables, on H2 in
 * MSSQLServer mode. H2 has no ISJSON: a stand-in with Jackson's parser is registered, so what is checked here is the
 * statements' shape and logic, not SQL Server's JSON parser. Where a Docker engine answers, the same tables on a real
 * SQL Server are covered by {@link RealSqlServerIT}'s contracts, not these statements.
 */
class SqlServerReaderQueriesIT {
    /** docs/sqlserver.md, step 6: the newest snapshot of the reader's schema version that is JSON at all. */
    static final String LATEST_USABLE = """
            SELECT TOP 1 stream_version, snapshot_data FROM event_store.snapshots
             WHERE stream_id = @streamId AND schema_version = @schemaVersion AND ISJSON(snapshot_data) = 1
             ORDER BY stream_version DESC;""";
    /** docs/sqlserver.md, step 6: the events after it, or every event with -1. */
    static final String TAIL = """
            SELECT stream_version, event_type, event_data FROM event_store.events
             WHERE stream_id = @streamId AND stream_version > @afterVersion
             ORDER BY stream_version;""";

    final PatientAggregator aggregator = new PatientAggregator();
    SqlServerDatabase database;

    @BeforeEach
    void create() throws SQLException {
        database = SqlServerDatabase.h2();
        try (Connection c = database.pool().getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE ALIAS IF NOT EXISTS ISJSON FOR '" + H2Functions.class.getName() + ".isJson'");
        }
        List<EventAppender.NewEvent> events = new ArrayList<>();
        ClinicalEvents script = new ClinicalEvents("patient-q1", 0, 5);
        for (int i = 0; i < 90; i++) {
            events.add(script.next());
        }
        database.stores().appender().append(events);
        for (long version : new long[]{39, 79}) {
            database.stores().snapshots().save(new StoredSnapshot("patient-q1", version, "patient",
                    aggregator.toJson(repository().replay("patient-q1", version).orElseThrow().state()), 1));
        }
    }

    @AfterEach
    void close() {
        database.close();
    }

    SnapshottingRepository<PatientState> repository() {
        return new SnapshottingRepository<>(database.stores().snapshots(), database.stores().events(), aggregator, 0);
    }

    String fullReplay() {
        return aggregator.toJson(repository().replay("patient-q1").orElseThrow().state());
    }

    @Test
    @DisplayName("the documented statements give the newest usable snapshot and its tail; a corrupt newest one is"
            + " passed over for the one before it")
    void documented() throws Exception {
        assertThat(Files.readString(Path.of("docs", "sqlserver.md"))).as("docs/sqlserver.md shows these statements")
                .contains(LATEST_USABLE).contains(TAIL);
        assertThat(readAsAService()).isEqualTo(fullReplay());
        assertThat(query(LATEST_USABLE, Map.of("streamId", "patient-q1", "schemaVersion", 1)).get(0)[0])
                .isEqualTo(79L);

        try (Connection c = database.pool().getConnection(); Statement s = c.createStatement()) {
            s.execute("UPDATE event_store.snapshots SET snapshot_data = '{\"patientId\":' WHERE stream_version = 79");
        }
        assertThat(query(LATEST_USABLE, Map.of("streamId", "patient-q1", "schemaVersion", 1)).get(0)[0])
                .as("the newest that is JSON").isEqualTo(39L);
        assertThat(readAsAService()).isEqualTo(fullReplay());
        assertThat(query(LATEST_USABLE, Map.of("streamId", "patient-q1", "schemaVersion", 2))).isEmpty();
    }

    /** What a service in another language does: the usable snapshot, or none; then the events after it. */
    String readAsAService() throws SQLException {
        List<Object[]> snapshot = query(LATEST_USABLE, Map.of("streamId", "patient-q1", "schemaVersion", 1));
        PatientState state = snapshot.isEmpty() ? aggregator.initialState()
                : aggregator.fromJson((String) snapshot.get(0)[1]);
        long after = snapshot.isEmpty() ? -1 : (Long) snapshot.get(0)[0];
        for (Object[] row : query(TAIL, Map.of("streamId", "patient-q1", "afterVersion", after))) {
            state = aggregator.apply(state, new StoredEvent("patient-q1", (Long) row[0], (String) row[1],
                    (String) row[2], Optional.empty(), Instant.EPOCH));
        }
        return aggregator.toJson(state);
    }

    /** Runs a documented statement with its {@code @name} parameters bound. */
    List<Object[]> query(String documented, Map<String, Object> parameters) throws SQLException {
        List<String> names = new ArrayList<>();
        Matcher m = Pattern.compile("@(\\w+)").matcher(documented);
        while (m.find()) {
            names.add(m.group(1));
        }
        try (Connection c = database.pool().getConnection();
             PreparedStatement s = c.prepareStatement(documented.replaceAll("@\\w+", "?"))) {
            for (int i = 0; i < names.size(); i++) {
                s.setObject(i + 1, parameters.get(names.get(i)));
            }
            List<Object[]> rows = new ArrayList<>();
            try (ResultSet r = s.executeQuery()) {
                int columns = r.getMetaData().getColumnCount();
                while (r.next()) {
                    Object[] row = new Object[columns];
                    for (int i = 0; i < columns; i++) {
                        Object value = r.getObject(i + 1);
                        row[i] = value instanceof Integer n ? Long.valueOf(n) : value;
                    }
                    rows.add(row);
                }
            }
            return rows;
        }
    }
}
