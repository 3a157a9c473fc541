package dev.snapshotsidecar.cli;

import com.zaxxer.hikari.HikariDataSource;
import dev.snapshotsidecar.config.SidecarConfig;
import dev.snapshotsidecar.store.DialectStores;
import dev.snapshotsidecar.track.ManualRequests;
import dev.snapshotsidecar.track.TrackerSettings;
import dev.snapshotsidecar.track.PlacementProbe;
import dev.snapshotsidecar.track.TrackerTopology;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.OptionalLong;
import java.util.concurrent.Callable;

/**
 * {@code reset-head --config FILE --stream-id ID}: sets a stream's head in the running sidecar's tracker to the
 * stream's last version in the database. For a head a bad record moved beyond the stream's events (the tracker
 * corrects one that a build finds beyond them by itself; this is the operator's way for any other), or one that fell
 * behind them. The same as {@code POST /streams/{id}/reset-head}.
 */
@Command(name = "reset-head", mixinStandardHelpOptions = true,
        description = "Resets a stream's head in the running sidecar's tracker to the stream's last version in the "
                + "database (after a bad record moved it beyond the stream's events).")
final class ResetHeadCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Option(names = "--stream-id", required = true, paramLabel = "ID", description = "The stream whose head to reset.")
    String streamId;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        SidecarConfig loaded = config.load();
        TrackerSettings settings = TrackerTopology.settings(loaded, PlacementProbe.ofRunningTracker(loaded));
        try (HikariDataSource pool = DialectStores.pool(loaded.database(), "reset-head");
             ManualRequests manual = new ManualRequests(loaded.kafka().properties(), loaded.kafka().bootstrapServers(),
                     loaded.topics().requests(), loaded.topics().results(), settings.placement(),
                     settings.partitions())) {
            OptionalLong last = DialectStores.of(loaded.database(), pool).events().lastVersion(streamId);
            long version = last.isPresent() ? last.getAsLong() : loaded.database().firstVersion() - 1;
            manual.resetHead(streamId, version);
            spec.commandLine().getOut().printf("head of %s reset to version %d, its last in the database%s%n",
                    streamId, version, last.isPresent() ? "" : " (it has no event)");
        }
        return 0;
    }
}
