package dev.snapshotsidecar.store;

import dev.snapshotsidecar.config.ConfigLoader;
import dev.snapshotsidecar.config.SidecarConfig;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DialectStoresTest {

    static SidecarConfig.Database database(String dialect) {
        String yaml = """
                kafka: {bootstrap-servers: "unused:9092"}
                topics: {source: [eventstore.events]}
                database: {dialect: %s, jdbc-url: "jdbc:unused", user: sidecar}
                aggregate-types:
                  patient: {stream-id-pattern: "patient-.+", aggregator: clinical.patient}
                """.formatted(dialect);
        return ConfigLoader.parse(yaml, Map.of(), dir -> Set.of("clinical.patient")).database();
    }

    @Test
    @DisplayName("both dialects are registered and found by their names")
    void registered() {
        assertThat(DialectStores.dialects()).extracting(Dialect::name).containsExactly("postgres", "sqlserver");
        assertThat(DialectStores.dialect("postgres").name()).isEqualTo("postgres");
        assertThat(DialectStores.dialect("sqlserver").name()).isEqualTo("sqlserver");
    }

    @Test
    @DisplayName("an unknown dialect fails with a message naming the ones there are")
    void unknown() {
        assertThatThrownBy(() -> DialectStores.dialect("oracle")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("no store for dialect 'oracle': the dialects there are postgres, sqlserver");
    }

    @ParameterizedTest
    @ValueSource(strings = {"postgres", "sqlserver"})
    @DisplayName("the configured dialect makes every store role, without connecting")
    void configured(String dialect) {
        DialectStores stores = DialectStores.of(database(dialect), new JdbcDataSource());
        assertThat(List.of(stores.events(), stores.snapshots(), stores.schema(), stores.appender()))
                .allSatisfy(role -> assertThat(role.getClass().getPackageName())
                        .isEqualTo("dev.snapshotsidecar.store." + dialect));
    }

    @Test
    @DisplayName("database.statement-timeout becomes each driver's socket timeout, in the driver's unit")
    void statementTimeout() {
        assertThat(DialectStores.driverProperties(database("postgres"))).as("pgjdbc: seconds")
                .isEqualTo(Map.of("socketTimeout", "120"));
        assertThat(DialectStores.driverProperties(database("sqlserver"))).as("mssql-jdbc: milliseconds")
                .isEqualTo(Map.of("socketTimeout", "120000"));
        assertThat(DialectStores.dialect("postgres").driverProperties(java.time.Duration.ofMillis(1500)))
                .as("a part of a second rounds up").isEqualTo(Map.of("socketTimeout", "2"));
    }
}
