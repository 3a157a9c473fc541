package dev.snapshotsidecar.config;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConnectorConfigTest {
    static SidecarConfig config(String dialect, String url, String topic) {
        return ConfigLoader.parse("""
                kafka: {bootstrap-servers: "kafka-1:9092,kafka-2:9092"}
                topics: {source: [%s]}
                database:
                  dialect: %s
                  jdbc-url: "%s"
                  user: sidecar
                  schema: event_store
                  columns: {stream-id: stream_key, event-data: body}
                aggregate-types:
                  patient: {stream-id-pattern: "patient-.+", aggregator: clinical.patient}
                """.formatted(topic, dialect, url), Map.of(), dir -> Set.of("clinical.patient"));
    }

    @Test
    @DisplayName("the PostgreSQL connector takes its connection, topic prefix, table and columns from the sidecar's configuration")
    void postgres() {
        Map<String, String> derived = ConnectorConfig.derive(config("postgres",
                "jdbc:postgresql://db.internal:6432/clinical?ssl=true", "cdc.event_store.events")).config();
        assertThat(derived).containsEntry("connector.class", "io.debezium.connector.postgresql.PostgresConnector")
                .containsEntry("database.hostname", "db.internal").containsEntry("database.port", "6432")
                .containsEntry("database.dbname", "clinical").containsEntry("topic.prefix", "cdc")
                .containsEntry("table.include.list", "event_store.events")
                .containsEntry("message.key.columns", "event_store.events:stream_key")
                .containsEntry("column.exclude.list", "event_store.events.body,event_store.events.metadata")
                .containsEntry("database.password", "${env:CDC_DATABASE_PASSWORD}")
                .containsEntry("topic.creation.default.partitions", "6")
                .containsEntry("topic.creation.default.replication.factor", "-1");
    }

    @Test
    @DisplayName("the SQL Server connector takes the database from the URL and the four-part topic name")
    void sqlServer() {
        Map<String, String> derived = ConnectorConfig.derive(config("sqlserver",
                "jdbc:sqlserver://mssql:14330;databaseName=Clinical;encrypt=true", "eventstore.Clinical.event_store.events"))
                .config();
        assertThat(derived).containsEntry("connector.class", "io.debezium.connector.sqlserver.SqlServerConnector")
                .containsEntry("database.hostname", "mssql").containsEntry("database.port", "14330")
                .containsEntry("database.names", "Clinical").containsEntry("topic.prefix", "eventstore")
                .containsEntry("schema.history.internal.kafka.bootstrap.servers", "kafka-1:9092,kafka-2:9092")
                .doesNotContainKey("database.dbname");
    }

    @Test
    @DisplayName("a source topic that is not the connector's topic for the events table is refused, naming the expected form")
    void drift() {
        assertThatThrownBy(() -> ConnectorConfig.derive(config("sqlserver",
                "jdbc:sqlserver://mssql;databaseName=Clinical", "eventstore.event_store.events")))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("<topic.prefix>.Clinical.event_store.events");
        assertThatThrownBy(() -> ConnectorConfig.derive(config("postgres", "jdbc:h2:mem:x", "a.event_store.events")))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("database.jdbc-url");
    }

    @Test
    @DisplayName("the example configurations load, and the connector they derive matches the compose stack")
    void examples() {
        SidecarConfig compose = ConfigLoader.load(Path.of("examples/compose.yaml"), Map.of(),
                dir -> Set.of("clinical.patient", "clinical.prescription"));
        assertThat(ConnectorConfig.derive(compose).config()).containsEntry("database.hostname", "sqlserver")
                .containsEntry("database.names", "Clinical").containsEntry("topic.prefix", "eventstore")
                .containsEntry("schema.history.internal.kafka.bootstrap.servers", "kafka:9092");
        SidecarConfig example = ConfigLoader.load(Path.of("examples/sidecar.yaml"), Map.of(),
                dir -> Set.of("clinical.patient", "clinical.prescription"));
        assertThat(ConnectorConfig.derive(example).config()).containsEntry("topic.prefix", "eventstore");
    }

    @Test
    @DisplayName("the JSON printed is the connector file's shape")
    void json() {
        String json = ConnectorConfig.derive(config("postgres", "jdbc:postgresql://db/clinical", "p.event_store.events"))
                .toJson();
        assertThat(json).contains("\"name\" : \"event-store-postgres\"", "\"config\" : {", "\"topic.prefix\" : \"p\"");
    }
}
