package dev.snapshotsidecar.cli;

import dev.snapshotsidecar.config.SidecarConfig;
import dev.snapshotsidecar.request.TrackerCommand;
import dev.snapshotsidecar.track.TrackerCommands;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.time.Instant;
import java.util.concurrent.Callable;

/**
 * {@code reconcile --config FILE}: asks the running sidecar for a reconcile pass now, whatever its schedule. Every
 * tracker task reads the command, and each instance then compares the events table's last version of every stream
 * it holds with its head, raising those change data capture left behind. Like {@code rebuild}, it returns once the
 * command is written: the pass runs in the sidecar, which logs each page and counts its corrections.
 */
@Command(name = "reconcile", mixinStandardHelpOptions = true,
        description = "Asks the running sidecar for a reconcile pass now: each instance compares the events table's "
                + "last version of every stream it holds with the tracker's head and raises the heads change data "
                + "capture left behind (rate-limited, in keyset pages), so due streams get their snapshots.")
final class ReconcileCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        SidecarConfig loaded = config.load();
        int tasks = TrackerCommands.broadcast(loaded.kafka().properties(), loaded.kafka().bootstrapServers(),
                loaded.topics().commands(), TrackerCommand.reconcile(Instant.now()));
        SidecarConfig.Reconcile settings = loaded.reconcile();
        spec.commandLine().getOut().printf("reconcile pass requested from %d tracker tasks: each instance starts one"
                        + " within seconds once its tracker has caught up, comparing the streams it holds at most %d a"
                        + " second in pages of %d; streams with an event in the last %d s are left to change data"
                        + " capture. Each page is logged (\"reconcile page ...\"), the pass ends with a summary per"
                        + " type, and corrections are counted in sidecar.reconcile.corrected.%n", tasks,
                settings.streamsPerSecond(), settings.pageSize(), settings.grace().toSeconds());
        return 0;
    }
}
