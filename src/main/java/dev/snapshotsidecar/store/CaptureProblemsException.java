package dev.snapshotsidecar.store;

import dev.snapshotsidecar.SidecarException;

import java.util.List;
import java.util.stream.Collectors;

/** The database's change data capture cannot deliver the events the sidecar tracks; each problem says what to fix. */
public final class CaptureProblemsException extends SidecarException {
    private final List<CaptureFinding> problems;

    public CaptureProblemsException(List<CaptureFinding> problems) {
        super("change data capture cannot deliver the events the sidecar tracks:\n  - "
                + problems.stream().map(CaptureFinding::toString).collect(Collectors.joining("\n  - "))
                + "\n(set database.check-capture: false to start anyway, once you have checked by hand)");
        this.problems = List.copyOf(problems);
    }

    public List<CaptureFinding> problems() {
        return problems;
    }
}
