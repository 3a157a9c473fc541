package dev.snapshotsidecar.cli;

import com.zaxxer.hikari.HikariDataSource;
import dev.snapshotsidecar.build.FoldReplay;
import dev.snapshotsidecar.build.Folds;
import dev.snapshotsidecar.config.SidecarConfig;
import dev.snapshotsidecar.fold.AggregatorRegistry;
import dev.snapshotsidecar.observe.StreamLengthReport;
import dev.snapshotsidecar.store.DialectStores;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code analyze --config FILE}: measure first; do we need snapshots at all? */
@Command(name = "analyze", mixinStandardHelpOptions = true,
        description = "Measures stream lengths per aggregate type from the events table (p50/p95/p99/max, events "
                + "since the latest snapshot, replay cost at the fold speed measured here, and where a "
                + "replay-cost-above limit would fall) and says whether snapshots are premature (p95 < 200), a "
                + "judgement, or necessary (p95 > 500).")
final class AnalyzeCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Option(names = "--json", description = "Print the report as one JSON object instead of text.")
    boolean json;

    @Option(names = "--html", paramLabel = "FILE", description = "Also write the report with charts to FILE.")
    Optional<Path> html;

    @Option(names = "--sample", defaultValue = "20",
            description = "Streams per type folded to measure the fold speed. Defaults to ${DEFAULT-VALUE}.")
    int sample;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        SidecarConfig loaded = config.load();
        try (HikariDataSource pool = DialectStores.pool(loaded.database(), "analyze");
             Progress progress = Progress.forCommand(spec.commandLine().getErr(), json);
             Folds folds = Folds.of(loaded, AggregatorRegistry.load(loaded.pluginDirectory()))) {
            DialectStores stores = DialectStores.of(loaded.database(), pool);
            // the fold speed of each type's own fold, whatever its kind (an HTTP fold's includes its round trips)
            StreamLengthReport report = StreamLengthReport.measure(loaded, stores, (type, ids) -> folds.forType(type)
                    .map(fold -> FoldReplay.microsPerEvent(fold, stores.events(), ids,
                            loaded.database().firstVersion())).orElse(0.0), sample, progress);
            progress.finish();
            spec.commandLine().getOut().print(json ? report.json() + "\n" : report.text());
            if (html.isPresent()) {
                Files.writeString(html.get(), report.html());
                spec.commandLine().getErr().println("report written to " + html.get());
            }
        }
        return 0;
    }
}
