package dev.snapshotsidecar.cli;

import com.zaxxer.hikari.HikariDataSource;
import dev.snapshotsidecar.runtime.Sidecar;
import dev.snapshotsidecar.build.SnapshotVerifier;
import dev.snapshotsidecar.config.SidecarConfig;
import dev.snapshotsidecar.fold.AggregatorRegistry;
import dev.snapshotsidecar.ingest.AggregateTypeResolver;
import dev.snapshotsidecar.store.DialectStores;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.Callable;

/** {@code verify --config FILE [--sample N]}: compares latest snapshots with full replay. */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = "Folds full histories and compares them with the latest snapshots; reports snapshots readers "
                + "cannot read (they fall back to full replay); exit 1 on any mismatch or unreadable snapshot.")
final class VerifyCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Option(names = "--sample", paramLabel = "N",
            description = "Verify a random sample of N streams with snapshots instead of all of them.")
    Optional<Integer> sample;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        SidecarConfig loaded = config.load();
        AggregatorRegistry aggregators = AggregatorRegistry.load(loaded.pluginDirectory());
        PrintWriter out = spec.commandLine().getOut();
        try (HikariDataSource pool = DialectStores.pool(loaded.database(), "verify")) {
            DialectStores stores = DialectStores.of(loaded.database(), pool);
            AggregateTypeResolver resolver = new AggregateTypeResolver(loaded.aggregateTypes());
            List<String> ids = sample(allStreamIds(stores), sample);
            Map<String, String> types = new LinkedHashMap<>();
            List<String> untyped = new ArrayList<>();
            for (String id : ids) {
                // with a type column the stream's type is the one its snapshots were written with
                Optional<String> type = resolver.resolve(id, Optional.empty())
                        .or(() -> typeFromSnapshots(loaded, stores, aggregators, id));
                type.ifPresentOrElse(t -> types.put(id, t), () -> untyped.add(id));
            }
            SnapshotVerifier.Report report = new SnapshotVerifier(stores.snapshots(), stores.events(), aggregators,
                    Sidecar.aggregatorByType(loaded), loaded.database().firstVersion()).verify(types);
            report.mismatches().forEach(m -> out.printf("%s %s at version %d: %s%n",
                    m.kind() == SnapshotVerifier.Kind.UNREADABLE ? "UNREADABLE" : "MISMATCH", m.streamId(), m.version(),
                    m.reason()));
            untyped.forEach(id -> out.printf("SKIPPED %s: no configured aggregate type recognises it%n", id));
            long unreadable = report.mismatches().stream().filter(m -> m.kind() == SnapshotVerifier.Kind.UNREADABLE)
                    .count();
            out.printf("verified %d streams: %d match, %d mismatch, %d unreadable%n", report.checked(),
                    report.checked() - report.mismatches().size(), report.mismatches().size() - unreadable,
                    unreadable);
            return report.mismatches().isEmpty() ? 0 : 1;
        }
    }

    private static Optional<String> typeFromSnapshots(SidecarConfig config, DialectStores stores,
                                                      AggregatorRegistry aggregators, String id) {
        for (SidecarConfig.AggregateType type : config.aggregateTypes()) {
            int schema = aggregators.find(type.aggregator()).map(a -> a.schemaVersion()).orElse(1);
            if (stores.snapshots().latest(id, schema).filter(s -> s.aggregateType().equals(type.name())).isPresent()) {
                return Optional.of(type.name());
            }
        }
        return Optional.empty();
    }

    private static List<String> allStreamIds(DialectStores stores) {
        List<String> ids = new ArrayList<>();
        String after = "";
        List<String> page;
        while (!(page = stores.snapshots().streamIds(after, 1000)).isEmpty()) {
            ids.addAll(page);
            after = page.get(page.size() - 1);
        }
        return ids;
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
