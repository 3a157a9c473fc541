package dev.snapshotsidecar.demo;

import com.zaxxer.hikari.HikariDataSource;
import dev.snapshotsidecar.config.SidecarConfig;
import dev.snapshotsidecar.testkit.ClinicalWorkload;
import dev.snapshotsidecar.store.DialectStores;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** {@code workload --config FILE}: writes the demo's clinical streams into the configured events table. */
@Command(name = "workload", mixinStandardHelpOptions = true,
        description = "Writes the demo's clinical workload (patients and prescriptions of uneven length) into the "
                + "configured events table, as a service would; used by the docker-compose stack.")
final class WorkloadCommand implements Callable<Integer> {
    @Option(names = "--config", required = true, paramLabel = "FILE",
            description = "The sidecar's YAML configuration; SIDECAR_* environment variables override its keys.")
    java.nio.file.Path config;

    @Option(names = "--streams", defaultValue = "200", description = "Streams to write. Defaults to ${DEFAULT-VALUE}.")
    int streams;

    @Option(names = "--events-per-stream", defaultValue = "1000",
            description = "Mean events per stream. Defaults to ${DEFAULT-VALUE}.")
    int eventsPerStream;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the workload. Defaults to ${DEFAULT-VALUE}.")
    long seed;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        SidecarConfig loaded = dev.snapshotsidecar.config.ConfigLoader.load(config, System.getenv(),
                dir -> dev.snapshotsidecar.fold.AggregatorRegistry.load(dir).names());
        ClinicalWorkload workload = new ClinicalWorkload(streams, eventsPerStream, loaded.database().firstVersion(),
                seed);
        try (HikariDataSource pool = DialectStores.pool(loaded.database(), "workload")) {
            DialectStores stores = DialectStores.of(loaded.database(), pool);
            workload.run(stores.appender(), 2);
        }
        spec.commandLine().getOut().printf("wrote %,d events into %d streams%n", workload.written(), streams);
        return 0;
    }
}
