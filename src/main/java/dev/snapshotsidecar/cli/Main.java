package dev.snapshotsidecar.cli;

import dev.snapshotsidecar.SidecarException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of {@code java -jar snapshot-sidecar.jar}. */
@Command(name = "snapshot-sidecar", mixinStandardHelpOptions = true, version = "snapshot-sidecar 0.1.0",
        description = "Takes snapshots of event-sourced streams beside the service, from change data capture.",
        subcommands = {RunCommand.class, InitDbCommand.class, VerifyCommand.class,
                ConnectorConfigCommand.class, RebuildCommand.class, ResetHeadCommand.class,
                        AnalyzeCommand.class, ReconcileCommand.class, SnapshotsCommand.class})
public final class Main {

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command line with every command, as {@code main} runs it; tests run commands through it. */
    public static CommandLine commandLine() {
        CommandLine commandLine = new CommandLine(new Main());
        // a known failure is one clear message, not a stack trace
        commandLine.setExecutionExceptionHandler((e, cmd, parseResult) -> {
            if (e instanceof SidecarException) {
                cmd.getErr().println(e.getMessage());
                return 1;
            }
            throw e;
        });
        return commandLine;
    }
}
