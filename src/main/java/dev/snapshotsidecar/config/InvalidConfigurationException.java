package dev.snapshotsidecar.config;

import dev.snapshotsidecar.SidecarException;

import java.util.List;
import java.util.stream.Collectors;

/** The configuration breaks one or more rules; carries every problem found, not just the first. */
public class InvalidConfigurationException extends SidecarException {
    private final List<ConfigProblem> problems;

    public InvalidConfigurationException(List<ConfigProblem> problems) {
        super("the configuration has " + problems.size() + " problem" + (problems.size() == 1 ? "" : "s")
                + "; the sidecar will not start until they are fixed:\n"
                + problems.stream().map(p -> "  - " + p).collect(Collectors.joining("\n")));
        this.problems = List.copyOf(problems);
    }

    public List<ConfigProblem> problems() {
        return problems;
    }
}
