package dev.snapshotsidecar.store.postgres;

import com.zaxxer.hikari.HikariDataSource;
import dev.snapshotsidecar.cli.Main;
import dev.snapshotsidecar.clinical.PatientAggregator;
import dev.snapshotsidecar.clinical.PatientState;
import dev.snapshotsidecar.config.SidecarConfig;
import dev.snapshotsidecar.fold.StoredEvent;
import dev.snapshotsidecar.store.DialectStores;
import dev.snapshotsidecar.store.EventAppender;
import dev.snapshotsidecar.store.SnapshottingRepository;
import dev.snapshotsidecar.store.SnapshottingRepository.Fallback;
import dev.snapshotsidecar.store.StoredSnapshot;
import dev.snapshotsidecar.testing.SharedStack;
import dev.snapshotsidecar.testkit.ClinicalEvents;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Readers survive a bad snapshot, on a real PostgreSQL: the JVM repository falls back to full replay and counts it,
 * {@code verify} reports the snapshot, and the SQL docs/postgres.md gives non-JVM readers (run here as written there)
 * returns the latest snapshot of the reader's schema version and its tail in one round trip, or every event.
 */
@ExtendWith(SharedStack.class)
class PostgresReaderFallbackIT {
    /** docs/postgres.md, step 6: the latest snapshot of the reader's schema version, and the events after it. */
    static final String LATEST_AND_TAIL = """
            WITH latest AS (
              SELECT stream_version, snapshot_data FROM event_store.snapshots
               WHERE stream_id = $1 AND schema_version = $2
               ORDER BY stream_version DESC LIMIT 1)
            SELECT stream_version, TRUE AS is_snapshot, NULL AS event_type, snapshot_data AS data FROM latest
            UNION ALL
            SELECT e.stream_version, FALSE, e.event_type, e.event_data::text FROM event_store.events e
             WHERE e.stream_id = $1 AND e.stream_version > COALESCE((SELECT stream_version FROM latest), -1)
            ORDER BY stream_version;""";
    /** docs/postgres.md, step 6: every event, when the snapshot cannot be read. */
    static final String FULL_REPLAY = """
            SELECT stream_version, event_type, event_data::text FROM event_store.events
             WHERE stream_id = $1 ORDER BY stream_version;""";

    final PatientAggregator aggregator = new PatientAggregator();
    FreshSchema schema;

    @BeforeEach
    void create() {
        schema = FreshSchema.create();
        List<EventAppender.NewEvent> events = new ArrayList<>();
        ClinicalEvents script = new ClinicalEvents("patient-r1", 0, 17);
        for (int i = 0; i < 120; i++) {
            events.add(script.next());
        }
        schema.stores().appender().append(events);
        SnapshottingRepository<PatientState> repository = repository(schema.stores());
        String at99 = aggregator.toJson(repository.replay("patient-r1", 99).orElseThrow().state());
        schema.stores().snapshots().save(new StoredSnapshot("patient-r1", 99, "patient", at99, 1));
        // a newer snapshot of another schema version: readers of schema 1 pass it over
        schema.stores().snapshots().save(new StoredSnapshot("patient-r1", 110, "patient", "{\"v2\":true}", 2));
    }

    @AfterEach
    void close() {
        schema.close();
    }

    SnapshottingRepository<PatientState> repository(DialectStores stores) {
        return new SnapshottingRepository<>(stores.snapshots(), stores.events(), aggregator, 0);
    }

    String fullReplay() {
        return aggregator.toJson(repository(schema.stores()).replay("patient-r1").orElseThrow().state());
    }

    @Test
    @DisplayName("the repository reads the latest snapshot of its schema, and falls back to full replay, counted,"
            + " for corrupt JSON, a state fromJson rejects, or a snapshots table it may not read")
    void repositoryFallsBack() {
        SnapshottingRepository<PatientState> repository = repository(schema.stores());
        SnapshottingRepository.Loaded<PatientState> fromSnapshot = repository.load("patient-r1").orElseThrow();
        assertThat(fromSnapshot.snapshotVersion()).contains(99L);
        assertThat(fromSnapshot.eventsReplayed()).isEqualTo(20);
        assertThat(aggregator.toJson(fromSnapshot.state())).isEqualTo(fullReplay());

        for (String bad : List.of("{\"patientId\":", "[1, 2, 3]")) {
            schema.execute("UPDATE " + schema.name() + ".snapshots SET snapshot_data = '" + bad
                    + "' WHERE stream_id = 'patient-r1' AND stream_version = 99");
            SnapshottingRepository.Loaded<PatientState> loaded = repository.load("patient-r1").orElseThrow();
            assertThat(loaded.fallback()).contains(Fallback.UNREADABLE);
            assertThat(loaded.eventsReplayed()).isEqualTo(120);
            assertThat(aggregator.toJson(loaded.state())).isEqualTo(fullReplay());
        }
        assertThat(repository.fallbacks()).containsEntry(Fallback.UNREADABLE, 2L);

        // a service's login that may read the events but not the snapshots table
        String role = schema.name() + "_reader";
        schema.execute("CREATE ROLE " + role + " LOGIN PASSWORD 'reader'",
                "GRANT USAGE ON SCHEMA " + schema.name() + " TO " + role,
                "GRANT SELECT ON " + schema.name() + ".events TO " + role);
        var postgres = SharedStack.stack().postgres();
        SidecarConfig asReader = SharedStack.stack().sidecarConfig("store-it", Map.of(
                // a URL of its own: the shared one names its user in the URL, which would win
                "SIDECAR_DATABASE_JDBC_URL", "jdbc:postgresql://" + postgres.host() + ":" + postgres.port() + "/"
                        + postgres.database(),
                "SIDECAR_DATABASE_SCHEMA", schema.name(), "SIDECAR_DATABASE_USER", role,
                "SIDECAR_DATABASE_PASSWORD", "reader"));
        try (HikariDataSource pool = DialectStores.pool(asReader.database(), "reader-it")) {
            SnapshottingRepository<PatientState> limited = repository(DialectStores.of(asReader.database(), pool));
            SnapshottingRepository.Loaded<PatientState> loaded = limited.load("patient-r1").orElseThrow();
            assertThat(loaded.fallback()).contains(Fallback.SNAPSHOT_UNAVAILABLE);
            assertThat(aggregator.toJson(loaded.state())).isEqualTo(fullReplay());
        } finally {
            schema.execute("DROP OWNED BY " + role, "DROP ROLE " + role);
        }
    }

    @Test
    @DisplayName("the SQL docs/postgres.md gives non-JVM readers returns the snapshot of their schema and its tail,"
            + " or every event, and folds to full replay either way")
    void documentedSql() throws Exception {
        String docs = Files.readString(Path.of("docs", "postgres.md"));
        assertThat(docs).as("docs/postgres.md shows the statements this test runs").contains(LATEST_AND_TAIL)
                .contains(FULL_REPLAY);
        List<Object[]> rows = query(LATEST_AND_TAIL, "patient-r1", 1);
        assertThat(rows).hasSize(21);
        assertThat(rows.get(0)).containsExactly(99L, true, null, rows.get(0)[3]);
        assertThat(rows.subList(1, 21)).allSatisfy(r -> assertThat((Boolean) r[1]).isFalse());
        assertThat(aggregator.toJson(readAsAService(rows))).isEqualTo(fullReplay());

        schema.execute("UPDATE " + schema.name() + ".snapshots SET snapshot_data = '{\"patientId\":'"
                + " WHERE stream_id = 'patient-r1' AND stream_version = 99");
        List<Object[]> again = query(LATEST_AND_TAIL, "patient-r1", 1);
        PatientState fromSnapshot = null;
        try {
            fromSnapshot = aggregator.fromJson((String) again.get(0)[3]);
        } catch (RuntimeException expected) {
            // what a service does with a snapshot it cannot read: full replay
        }
        assertThat(fromSnapshot).isNull();
        List<Object[]> all = query(FULL_REPLAY, "patient-r1");
        assertThat(all).hasSize(120);
        PatientState state = aggregator.initialState();
        for (Object[] event : all) {
            state = aggregator.apply(state, event("patient-r1", event));
        }
        assertThat(aggregator.toJson(state)).isEqualTo(fullReplay());

        assertThat(query(LATEST_AND_TAIL, "patient-none", 1)).as("a stream with neither").isEmpty();
    }

    @Test
    @DisplayName("verify reports a snapshot readers cannot read, and exits 1")
    void verifyReportsIt(@TempDir Path dir) throws Exception {
        schema.execute("UPDATE " + schema.name() + ".snapshots SET snapshot_data = '[1, 2, 3]'"
                + " WHERE stream_id = 'patient-r1' AND stream_version = 99");
        var stack = SharedStack.stack();
        Path config = dir.resolve("sidecar.yaml");
        Files.writeString(config, """
                kafka: {bootstrap-servers: "unused:9092"}
                topics: {source: [eventstore.event_store.events]}
                database: {jdbc-url: "%s", user: "%s", password: "%s", schema: %s}
                aggregate-types:
                  patient: {stream-id-pattern: "patient-.+", aggregator: clinical.patient}
                """.formatted(stack.postgres().jdbcUrl(), stack.postgres().user(), stack.postgres().password(),
                schema.name()));
        StringWriter out = new StringWriter();
        int exit = Main.commandLine().setOut(new PrintWriter(out)).execute("verify", "--config", config.toString());
        assertThat(exit).isEqualTo(1);
        assertThat(out.toString()).contains("UNREADABLE patient-r1 at version 99: clinical.patient cannot read it")
                .contains("verified 1 streams: 0 match, 0 mismatch, 1 unreadable");
    }

    /** What a service in another language does with the rows: the snapshot's state, then each event. */
    PatientState readAsAService(List<Object[]> rows) {
        PatientState state = aggregator.initialState();
        for (Object[] row : rows) {
            state = (Boolean) row[1] ? aggregator.fromJson((String) row[3])
                    : aggregator.apply(state, event("patient-r1", new Object[]{row[0], row[2], row[3]}));
        }
        return state;
    }

    static StoredEvent event(String streamId, Object[] row) {
        return new StoredEvent(streamId, ((Number) row[0]).longValue(), (String) row[1], (String) row[2],
                Optional.empty(), Instant.EPOCH);
    }

    /** Runs a documented statement on this test's schema, with {@code $n} bound in order. */
    List<Object[]> query(String documented, Object... parameters) throws SQLException {
        String sql = documented.replace("event_store.", schema.name() + ".").replaceAll("\\$\\d", "?");
        List<Integer> order = new ArrayList<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\$(\\d)").matcher(documented);
        while (m.find()) {
            order.add(Integer.parseInt(m.group(1)));
        }
        try (Connection c = schema.pool().getConnection(); PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < order.size(); i++) {
                s.setObject(i + 1, parameters[order.get(i) - 1]);
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
