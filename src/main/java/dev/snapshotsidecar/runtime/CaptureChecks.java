package dev.snapshotsidecar.runtime;

import dev.snapshotsidecar.store.CaptureFinding;
import dev.snapshotsidecar.store.CaptureProblemsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * What start-up does with the database's findings on its change data capture: logs each (what was found, what to
 * do), and fails the start on problems that leave the sidecar blind, unless {@code database.check-capture} is off.
 * Stateless.
 */
final class CaptureChecks {
    private static final Logger LOG = LoggerFactory.getLogger(CaptureChecks.class);

    private CaptureChecks() {
    }

    /** @throws CaptureProblemsException listing every problem, when there are any and {@code enforce} */
    static void apply(List<CaptureFinding> findings, boolean enforce) {
        for (CaptureFinding finding : findings) {
            switch (finding.severity()) {
                case INFO -> LOG.info("CDC check: {}", finding);
                case WARNING -> LOG.warn("CDC check: {}", finding);
                case PROBLEM -> LOG.error("CDC check: {}", finding);
            }
        }
        List<CaptureFinding> problems = findings.stream()
                .filter(f -> f.severity() == CaptureFinding.Severity.PROBLEM).toList();
        if (!problems.isEmpty() && enforce) {
            throw new CaptureProblemsException(problems);
        }
    }
}
