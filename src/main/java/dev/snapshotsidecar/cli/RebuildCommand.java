package dev.snapshotsidecar.cli;

import dev.snapshotsidecar.config.SidecarConfig;
import dev.snapshotsidecar.request.TrackerCommand;
import dev.snapshotsidecar.track.TrackerCommands;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.time.Instant;
import java.util.concurrent.Callable;

/** {@code rebuild --config FILE --aggregate-type T}: new snapshots for every stream of a type, longest first. */
@Command(name = "rebuild", mixinStandardHelpOptions = true,
        description = "Asks the running sidecar for new snapshots of every stream of an aggregate type (after its "
                + "aggregator's schema version changed): longest streams first, rate-limited, resumed after restarts.")
final class RebuildCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Option(names = "--aggregate-type", required = true, paramLabel = "TYPE", description = "The type to rebuild.")
    String aggregateType;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        SidecarConfig loaded = config.load();
        if (loaded.aggregateTypes().stream().noneMatch(t -> t.name().equals(aggregateType))) {
            throw new ParameterException(spec.commandLine(), "unknown aggregate type " + aggregateType + "; known: "
                    + loaded.aggregateTypes().stream().map(SidecarConfig.AggregateType::name).toList());
        }
        int tasks = TrackerCommands.broadcast(loaded.kafka().properties(), loaded.kafka().bootstrapServers(),
                loaded.topics().commands(), TrackerCommand.rebuild(aggregateType, Instant.now()));
        spec.commandLine().getOut().printf("rebuild of %s requested from %d tracker tasks; they send at most %d "
                        + "requests each per %s, longest streams first%n", aggregateType, tasks,
                loaded.tracker().rebuildBatch(), loaded.tracker().scanInterval());
        return 0;
    }
}
