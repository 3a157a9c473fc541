package dev.snapshotsidecar.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariDataSource;
import dev.snapshotsidecar.config.SidecarConfig;
import dev.snapshotsidecar.store.DialectStores;
import dev.snapshotsidecar.store.StoredSnapshot;
import dev.snapshotsidecar.testing.SharedStack;
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
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The {@code snapshots} command on a real PostgreSQL, as an operator runs it. */
@ExtendWith(SharedStack.class)
class SnapshotsCommandIT {
    static final String SECRET = "Ada Lovelace-Byron";
    static final ObjectMapper JSON = new ObjectMapper();
    String schema = "snapshots_cmd_" + ProcessHandle.current().pid();
    HikariDataSource pool;
    Path config;

    @BeforeEach
    void tables(@TempDir Path dir) throws Exception {
        SidecarConfig sidecar = SharedStack.stack().sidecarConfig("snapshots-cmd", Map.of(
                "SIDECAR_DATABASE_SCHEMA", schema));
        pool = DialectStores.pool(sidecar.database(), "snapshots-cmd");
        DialectStores stores = DialectStores.of(sidecar.database(), pool);
        stores.schema().createSnapshotsTable();
        stores.snapshots().save(new StoredSnapshot("patient-s1", 49, "patient",
                "{\"patientId\":\"s1\",\"name\":\"" + SECRET + "\"}", 1));
        stores.snapshots().save(new StoredSnapshot("patient-s1", 99, "patient", "{\"v2\":true}", 2));
        stores.snapshots().save(new StoredSnapshot("patient-s2", 9, "patient", "{\"patientId\":\"s2\"}", 1));
        var postgres = SharedStack.stack().postgres();
        config = dir.resolve("sidecar.yaml");
        Files.writeString(config, """
                kafka: {bootstrap-servers: "unused:9092"}
                topics: {source: [eventstore.event_store.events]}
                database: {jdbc-url: "%s", user: "%s", password: "%s", schema: %s}
                aggregate-types:
                  patient: {stream-id-pattern: "patient-.+", aggregator: clinical.patient}
                """.formatted(postgres.jdbcUrl(), postgres.user(), postgres.password(), schema));
    }

    @AfterEach
    void drop() throws Exception {
        try (var c = pool.getConnection(); var s = c.createStatement()) {
            s.execute("DROP SCHEMA " + schema + " CASCADE");
        }
        pool.close();
    }

    record Run(int exit, String out, String err) {
    }

    Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        String[] all = new String[args.length + 2];
        all[0] = "snapshots";
        System.arraycopy(args, 0, all, 1, args.length);
        all[args.length + 1] = "--config=" + config;
        int exit = Main.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(all);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    @DisplayName("a stream's snapshots newest first, the one its readers read marked; --show prints a state, no log"
            + " line holds it")
    void stream() throws Exception {
        ch.qos.logback.classic.LoggerContext logging =
                (ch.qos.logback.classic.LoggerContext) org.slf4j.LoggerFactory.getILoggerFactory();
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> captured =
                new ch.qos.logback.core.read.ListAppender<>();
        captured.start();
        logging.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).addAppender(captured);
        try {
            Run listed = run("--stream-id", "patient-s1");
            System.out.print(listed.out()); // as an operator sees it, in the test output
            assertThat(listed.exit()).isZero();
            String[] lines = listed.out().split("\n");
            assertThat(lines[0]).isEqualTo("patient-s1: 2 snapshots, readers of schema 1 read the one marked *");
            assertThat(lines[2]).startsWith(" ").contains(" 99 ", " 2 ");
            assertThat(lines[3]).startsWith("*").contains(" 49 ", " 1 ");
            assertThat(listed.out()).doesNotContain(SECRET);

            Run shown = run("--stream-id", "patient-s1", "--show");
            assertThat(shown.out()).as("the snapshot readers of schema 1 read").contains(SECRET);
            Run byVersion = run("--stream-id", "patient-s1", "--show=99");
            assertThat(byVersion.out().trim()).isEqualTo("{\"v2\":true}");
            JsonNode json = JSON.readTree(run("--stream-id", "patient-s1", "--show", "--json").out());
            assertThat(json.at("/state/name").asText()).isEqualTo(SECRET);
            assertThat(json.get("version").asLong()).isEqualTo(49);

            JsonNode list = JSON.readTree(run("--stream-id", "patient-s1", "--json").out());
            assertThat(list.get("readVersion").asLong()).isEqualTo(49);
            assertThat(list.get("snapshots")).hasSize(2);
            assertThat(list.at("/snapshots/0/bytes").asLong()).isEqualTo(11);

            Run missing = run("--stream-id", "patient-s1", "--show=50");
            assertThat(missing.exit()).isEqualTo(1);
            assertThat(missing.err()).contains("no snapshot of patient-s1 at version 50");
            assertThat(run("--aggregate-type", "patient", "--show").exit()).as("bad usage").isEqualTo(2);
        } finally {
            logging.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).detachAppender(captured);
        }
        assertThat(captured.list).noneSatisfy(e -> assertThat(e.getFormattedMessage()).contains(SECRET));
    }

    @Test
    @DisplayName("a type's snapshots: how many, their sizes and the age of each stream's newest, per schema version")
    void type() throws Exception {
        Run text = run("--aggregate-type", "patient");
        System.out.print(text.out());
        assertThat(text.exit()).isZero();
        assertThat(text.out()).startsWith("patient: 3 snapshots of 2 streams").contains("schema 1      2 (what its"
                + " aggregator reads)", "schema 2      1");
        JsonNode json = JSON.readTree(run("--aggregate-type", "patient", "--json").out());
        assertThat(json.get("snapshots").asLong()).isEqualTo(3);
        assertThat(json.get("streams").asLong()).isEqualTo(2);
        assertThat(json.at("/bytes/max").asLong()).isEqualTo(("{\"patientId\":\"s1\",\"name\":\"" + SECRET + "\"}")
                .length());
        assertThat(json.at("/perStream/max").asLong()).isEqualTo(2);
        assertThat(json.at("/newestAgeSeconds/max").asLong()).isBetween(0L, 120L);
        assertThat(json.at("/bySchemaVersion/2").asLong()).isEqualTo(1);
    }
}
