package dev.snapshotsidecar.cli;

import com.zaxxer.hikari.HikariDataSource;
import dev.snapshotsidecar.build.Folds;
import dev.snapshotsidecar.build.SnapshotVerifier;
import dev.snapshotsidecar.config.ConfigLoader;
import dev.snapshotsidecar.config.SidecarConfig;
import dev.snapshotsidecar.fold.AggregatorRegistry;
import dev.snapshotsidecar.ingest.AggregateTypeResolver;
import dev.snapshotsidecar.store.DialectStores;
import dev.snapshotsidecar.store.EventReader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.Callable;

/**
 * {@code verify --config FILE [--sample N] [--compare-with OVERLAY]}: compares latest snapshots with full replay by
 * each type's fold, whatever its kind; or folds the same streams two ways and lists where they differ.
 */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = "Folds full histories with each type's fold (java, http or jsonata) and compares them with the "
                + "latest snapshots, reporting snapshots readers cannot read (they fall back to full replay); with "
                + "--compare-with, folds every stream of the types the overlay refolds both ways and lists each one "
                + "where the states differ. Exit 1 on any mismatch or unreadable snapshot.")
final class VerifyCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Option(names = "--sample", paramLabel = "N",
            description = "Verify a random sample of N streams instead of all of them.")
    Optional<Integer> sample;

    @Option(names = "--compare-with", paramLabel = "OVERLAY",
            description = "A YAML file laid over --config that gives some aggregate types another fold (aggregator, "
                    + "fold.http.* or fold.jsonata.*), e.g. examples/jsonata/prescription.yaml: each stream of those "
                    + "types is folded from its first event to its last by both, and every difference is listed by "
                    + "its JSON path.")
    Optional<Path> compareWith;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        SidecarConfig loaded = config.load();
        PrintWriter out = spec.commandLine().getOut();
        try (HikariDataSource pool = DialectStores.pool(loaded.database(), "verify");
             Progress progress = Progress.forCommand(spec.commandLine().getErr(), false);
             Folds folds = Folds.of(loaded, AggregatorRegistry.load(loaded.pluginDirectory()))) {
            DialectStores stores = DialectStores.of(loaded.database(), pool);
            SnapshotVerifier verifier = new SnapshotVerifier(stores.snapshots(), stores.events(), folds,
                    loaded.database().firstVersion());
            SnapshotVerifier.Report report;
            String what;
            if (compareWith.isPresent()) {
                SidecarConfig other = ConfigLoader.load(config.file, compareWith.get(), System.getenv(),
                        dir -> AggregatorRegistry.load(dir).names());
                try (Folds otherFolds = Folds.of(other, AggregatorRegistry.load(other.pluginDirectory()))) {
                    Map<String, String> types = refolded(loaded, other, streamsInEvents(loaded, stores));
                    types.values().stream().distinct().forEach(t -> out.printf("comparing %s: %s (%s) with %s (%s)%n",
                            t, folds.forType(t).orElseThrow().kind().configName(),
                            folds.forType(t).orElseThrow().description(),
                            otherFolds.forType(t).orElseThrow().kind().configName(),
                            otherFolds.forType(t).orElseThrow().description()));
                    report = verifier.compare(types, otherFolds);
                    what = "compared";
                }
            } else {
                progress.phase("listing streams with snapshots", Progress.UNKNOWN);
                Map<String, String> types = streamsWithSnapshots(loaded, stores, folds, out, progress);
                // stream by stream, so that progress shows; the verifier checks each one on its own anyway
                progress.phase("verifying", types.size());
                int checked = 0;
                List<SnapshotVerifier.Mismatch> mismatches = new ArrayList<>();
                for (Map.Entry<String, String> stream : types.entrySet()) {
                    SnapshotVerifier.Report one = verifier.verify(Map.of(stream.getKey(), stream.getValue()));
                    checked += one.checked();
                    mismatches.addAll(one.mismatches());
                    if (!one.mismatches().isEmpty()) {
                        progress.detail(mismatches.size() + (mismatches.size() == 1 ? " mismatch" : " mismatches"));
                    }
                    progress.advance(1);
                }
                progress.finish();
                report = new SnapshotVerifier.Report(checked, mismatches);
                what = "verified";
            }
            report.mismatches().forEach(m -> out.printf("%s %s at version %d: %s%n", compareWith.isPresent()
                    ? "DIFFERS" : m.kind() == SnapshotVerifier.Kind.UNREADABLE ? "UNREADABLE" : "MISMATCH",
                    m.streamId(), m.version(), m.reason()));
            long unreadable = report.mismatches().stream().filter(m -> m.kind() == SnapshotVerifier.Kind.UNREADABLE)
                    .count();
            if (compareWith.isPresent()) {
                out.printf("%s %d streams: %d match, %d differ%n", what, report.checked(),
                        report.checked() - report.mismatches().size(), report.mismatches().size());
            } else {
                out.printf("%s %d streams: %d match, %d mismatch, %d unreadable%n", what, report.checked(),
                        report.checked() - report.mismatches().size(), report.mismatches().size() - unreadable,
                        unreadable);
            }
            return report.mismatches().isEmpty() ? 0 : 1;
        }
    }

    /** Streams with snapshots and their types; those no type recognises are listed as skipped. */
    private Map<String, String> streamsWithSnapshots(SidecarConfig loaded, DialectStores stores, Folds folds,
                                                     PrintWriter out, Progress progress) {
        AggregateTypeResolver resolver = new AggregateTypeResolver(loaded.aggregateTypes());
        Map<String, String> types = new LinkedHashMap<>();
        List<String> ids = new ArrayList<>();
        String after = "";
        List<String> page;
        while (!(page = stores.snapshots().streamIds(after, 1000)).isEmpty()) {
            ids.addAll(page);
            progress.advance(page.size());
            after = page.get(page.size() - 1);
        }
        for (String id : sample(ids, sample)) {
            // with a type column the stream's type is the one its snapshots were written with
            Optional<String> type = resolver.resolve(id, Optional.empty()).or(() -> typeFromSnapshots(loaded, stores,
                    folds, id));
            type.ifPresentOrElse(t -> types.put(id, t),
                    () -> out.printf("SKIPPED %s: no configured aggregate type recognises it%n", id));
        }
        return types;
    }

    private static Optional<String> typeFromSnapshots(SidecarConfig config, DialectStores stores, Folds folds,
                                                      String id) {
        for (SidecarConfig.AggregateType type : config.aggregateTypes()) {
            int schema = folds.knownSchemaVersion(type.name()).orElse(1);
            if (stores.snapshots().latest(id, schema).filter(s -> s.aggregateType().equals(type.name())).isPresent()) {
                return Optional.of(type.name());
            }
        }
        return Optional.empty();
    }

    /** Every stream of the events table with its type. */
    private Map<String, String> streamsInEvents(SidecarConfig loaded, DialectStores stores) {
        AggregateTypeResolver resolver = new AggregateTypeResolver(loaded.aggregateTypes());
        Map<String, String> types = new LinkedHashMap<>();
        String after = "";
        List<EventReader.StreamLength> page;
        while (!(page = stores.events().streamLengths(after, 1000)).isEmpty()) {
            page.forEach(s -> resolver.resolve(s.streamId(), s.typeValue()).ifPresent(t -> types.put(s.streamId(), t)));
            after = page.get(page.size() - 1).streamId();
        }
        return types;
    }

    /** The streams of the types whose fold the overlay changed, sampled when asked. */
    private Map<String, String> refolded(SidecarConfig loaded, SidecarConfig other, Map<String, String> streams) {
        Map<String, SidecarConfig.FoldDefinition> before = new LinkedHashMap<>();
        loaded.aggregateTypes().forEach(t -> before.put(t.name(), t.fold()));
        List<String> types = other.aggregateTypes().stream()
                .filter(t -> before.containsKey(t.name()) && !fingerprint(before.get(t.name())).equals(
                        fingerprint(t.fold()))).map(SidecarConfig.AggregateType::name).toList();
        Map<String, String> chosen = new LinkedHashMap<>();
        for (String id : sample(new ArrayList<>(streams.keySet()), sample)) {
            if (types.contains(streams.get(id))) {
                chosen.put(id, streams.get(id));
            }
        }
        return chosen;
    }

    /** A fold definition as text (the compiled JSONata expressions print as their text). */
    private static String fingerprint(SidecarConfig.FoldDefinition fold) {
        return fold.toString();
    }

    private static List<String> sample(List<String> ids, Optional<Integer> n) {
        if (n.isEmpty() || n.get() >= ids.size()) {
            return ids;
        }
        List<String> shuffled = new ArrayList<>(ids);
        java.util.Collections.shuffle(shuffled, new Random());
        return shuffled.subList(0, n.get());
    }
}
