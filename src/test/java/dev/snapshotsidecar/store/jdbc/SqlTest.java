package dev.snapshotsidecar.store.jdbc;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static dev.snapshotsidecar.store.jdbc.Sql.Param.KEEP_OFFSET;
import static dev.snapshotsidecar.store.jdbc.Sql.Param.POSITION;
import static dev.snapshotsidecar.store.jdbc.Sql.Param.STREAM_ID;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SqlTest {
    @Test
    @DisplayName("values come in the statement's order, a value bound as often as the statement names it")
    void order() {
        Sql sql = Sql.of("DELETE FROM t WHERE a = ? AND b IN (SELECT b FROM t WHERE a = ? OFFSET ?)",
                STREAM_ID, STREAM_ID, KEEP_OFFSET);
        assertThat(sql.values(Map.of(KEEP_OFFSET, 2, STREAM_ID, "s-1", POSITION, 7L)))
                .containsExactly("s-1", "s-1", 2);
    }

    @Test
    @DisplayName("a statement whose parameters and names differ in number is refused when it is made")
    void count() {
        assertThatThrownBy(() -> Sql.of("SELECT 1 FROM t WHERE a = ? AND b = ?", STREAM_ID))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("has 2 parameters but 1 are named");
        assertThat(Sql.of("SELECT '?' FROM t WHERE a = ?", STREAM_ID).parameters()).containsExactly(STREAM_ID);
    }

    @Test
    @DisplayName("a parameter without a value fails, naming it")
    void missing() {
        Sql sql = Sql.of("SELECT 1 FROM t WHERE a = ? AND p <= ?", STREAM_ID, POSITION);
        assertThatThrownBy(() -> sql.values(Map.of(STREAM_ID, "s-1")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no value for POSITION");
    }
}
