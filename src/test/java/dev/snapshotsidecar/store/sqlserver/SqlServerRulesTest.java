package dev.snapshotsidecar.store.sqlserver;

import dev.snapshotsidecar.store.PermanentStoreException;
import dev.snapshotsidecar.store.TransientStoreException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;

import static org.assertj.core.api.Assertions.assertThat;

class SqlServerRulesTest {
    @Test
    @DisplayName("versions before 2016 SP1 are refused; Azure SQL is accepted whatever it reports")
    void cdcVersions() {
        assertThat(SqlServerVersion.parse("12.0.6024.0", 3).orElseThrow().supportsChangeDataCapture()).isFalse();
        assertThat(SqlServerVersion.parse("13.0.1601.5", 2).orElseThrow().supportsChangeDataCapture()).isFalse();
        assertThat(SqlServerVersion.parse("13.0.4001.0", 2).orElseThrow().supportsChangeDataCapture()).isTrue();
        assertThat(SqlServerVersion.parse("16.0.4135.4", 3).orElseThrow().supportsChangeDataCapture()).isTrue();
        assertThat(SqlServerVersion.parse("12.0.2000.8", 5).orElseThrow().supportsChangeDataCapture()).isTrue();
        assertThat(SqlServerVersion.parse("not a version", 3)).isEmpty();
    }

    @Test
    @DisplayName("errors are retried or not by their number, never by their text")
    void classification() {
        assertThat(SqlServerErrors.classify("x", new SQLException("whatever", "40001", 1205)))
                .isInstanceOf(TransientStoreException.class);
        assertThat(SqlServerErrors.classify("x", new SQLException("whatever", "S0001", 40613)))
                .isInstanceOf(TransientStoreException.class);
        assertThat(SqlServerErrors.classify("x", new SQLException("deadlock victim", "08S01", 0)))
                .isInstanceOf(TransientStoreException.class);
        assertThat(SqlServerErrors.classify("x", new SQLTransientConnectionException("pool timeout")))
                .isInstanceOf(TransientStoreException.class);
        assertThat(SqlServerErrors.classify("x", new SQLException("deadlock, connection reset", "S0002", 208)))
                .as("invalid object name, whatever the text says").isInstanceOf(PermanentStoreException.class);
        assertThat(SqlServerErrors.isDuplicateKey(new SQLException("", "23000", 2627))).isTrue();
        assertThat(SqlServerErrors.isDuplicateKey(new SQLException("", "23000", 2601))).isTrue();
        assertThat(SqlServerErrors.isDuplicateKey(new SQLException("", "23000", 547))).isFalse();
    }
}
