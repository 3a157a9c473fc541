package dev.snapshotsidecar.runtime;

import dev.snapshotsidecar.store.CaptureFinding;
import dev.snapshotsidecar.store.CaptureFinding.Severity;
import dev.snapshotsidecar.store.CaptureProblemsException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CaptureChecksTest {
    static final List<CaptureFinding> FOUND = List.of(
            new CaptureFinding(Severity.PROBLEM, "change data capture is off for database Clinical", "run A"),
            new CaptureFinding(Severity.PROBLEM, "capture instance x does not capture stream_id", "run B"),
            new CaptureFinding(Severity.WARNING, "SQL Server Agent is Stopped", "start it"));

    @Test
    @DisplayName("problems fail the start, every one listed with its fix; warnings never do; off, nothing fails")
    void enforce() {
        assertThatThrownBy(() -> CaptureChecks.apply(FOUND, true)).isInstanceOf(CaptureProblemsException.class)
                .hasMessageContaining("change data capture is off for database Clinical; run A")
                .hasMessageContaining("capture instance x does not capture stream_id; run B")
                .hasMessageNotContaining("Agent")
                .hasMessageContaining("database.check-capture: false");
        assertThatCode(() -> CaptureChecks.apply(FOUND, false)).doesNotThrowAnyException();
        assertThatCode(() -> CaptureChecks.apply(FOUND.subList(2, 3), true)).doesNotThrowAnyException();
    }
}
