package dev.snapshotsidecar.cli;

import com.zaxxer.hikari.HikariDataSource;
import dev.snapshotsidecar.SidecarException;
import dev.snapshotsidecar.config.SidecarConfig;
import dev.snapshotsidecar.fold.AggregatorRegistry;
import dev.snapshotsidecar.ingest.AggregateTypeResolver;
import dev.snapshotsidecar.observe.SnapshotInventory;
import dev.snapshotsidecar.store.DialectStores;
import dev.snapshotsidecar.store.SnapshotStore;
import dev.snapshotsidecar.store.StoredSnapshot;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.Callable;

/**
 * {@code snapshots --config FILE (--stream-id ID [--show [VERSION]] | --aggregate-type T) [--json]}: what the
 * snapshots table holds. For a stream, its snapshots (version, schema version, size, age, time); {@code --show}
 * prints one snapshot's state, an operator's explicit act (it goes to stdout only, never to a log). For a type, the
 * distribution of its snapshots' sizes and ages, and how many of each schema version.
 */
@Command(name = "snapshots", mixinStandardHelpOptions = true,
        description = "Lists a stream's snapshots (version, schema version, size, age, created at) and, with --show, "
                + "prints one's state; or, for an aggregate type, the distribution of its snapshots' sizes and ages.")
final class SnapshotsCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Target target;

    static final class Target {
        @Option(names = "--stream-id", paramLabel = "ID", description = "The stream whose snapshots to list.")
        Optional<String> streamId;

        @Option(names = "--aggregate-type", paramLabel = "TYPE", description = "The type whose snapshots to sum up.")
        Optional<String> aggregateType;
    }

    @Option(names = "--show", arity = "0..1", fallbackValue = "-1", paramLabel = "VERSION",
            description = "With --stream-id: print the state of the snapshot at VERSION; without one, of the snapshot "
                    + "readers of its type's schema version read (else the newest).")
    Optional<Long> show;

    @Option(names = "--json", description = "Print one JSON object instead of text.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (show.isPresent() && target.streamId.isEmpty()) {
            throw new ParameterException(spec.commandLine(), "--show needs --stream-id");
        }
        SidecarConfig loaded = config.load();
        PrintWriter out = spec.commandLine().getOut();
        try (HikariDataSource pool = DialectStores.pool(loaded.database(), "snapshots")) {
            SnapshotStore store = DialectStores.of(loaded.database(), pool).snapshots();
            AggregatorRegistry aggregators = AggregatorRegistry.load(loaded.pluginDirectory());
            if (target.aggregateType.isPresent()) {
                String type = target.aggregateType.get();
                SnapshotInventory.Type report = SnapshotInventory.type(store, type, schema(loaded, aggregators, type),
                        Instant.now());
                out.print(json ? report.json() + "\n" : report.text());
                return 0;
            }
            String id = target.streamId.orElseThrow();
            Optional<String> type = new AggregateTypeResolver(loaded.aggregateTypes()).resolve(id, Optional.empty())
                    .or(() -> store.list(id).stream().findFirst().map(SnapshotStore.SnapshotInfo::aggregateType));
            SnapshotInventory.Stream listed = SnapshotInventory.stream(store, id,
                    type.map(t -> schema(loaded, aggregators, t)).orElse(OptionalInt.empty()), Instant.now());
            if (show.isEmpty()) {
                out.print(json ? listed.json() + "\n" : listed.text());
                return 0;
            }
            long version = show.get() >= 0 ? show.get() : listed.read().or(() -> listed.snapshots().stream()
                    .findFirst()).map(SnapshotStore.SnapshotInfo::version).orElseThrow(() ->
                    new SidecarException("no snapshot of " + id + " to show"));
            StoredSnapshot snapshot = store.read(id, version).orElseThrow(() ->
                    new SidecarException("no snapshot of " + id + " at version " + version));
            out.print(json ? SnapshotInventory.shown(snapshot) + "\n" : snapshot.data() + "\n");
            return 0;
        }
    }

    /**
     * The schema version readers of the type read, when it is known without asking a service: a Java aggregator's, a
     * JSONata fold's from the configuration; an HTTP fold's only its service tells (not asked here).
     */
    private static OptionalInt schema(SidecarConfig config, AggregatorRegistry aggregators, String type) {
        return config.aggregateTypes().stream().filter(t -> t.name().equals(type)).findFirst()
                .map(t -> {
                    if (t.fold() instanceof SidecarConfig.FoldDefinition.Java java) {
                        return aggregators.find(java.aggregator()).map(a -> OptionalInt.of(a.schemaVersion()))
                                .orElse(OptionalInt.empty());
                    }
                    return t.fold() instanceof SidecarConfig.FoldDefinition.Jsonata jsonata
                            ? OptionalInt.of(jsonata.schemaVersion()) : OptionalInt.empty();
                }).orElse(OptionalInt.empty());
    }
}
