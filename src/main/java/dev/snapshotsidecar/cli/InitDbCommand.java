package dev.snapshotsidecar.cli;

import com.zaxxer.hikari.HikariDataSource;
import dev.snapshotsidecar.config.SidecarConfig;
import dev.snapshotsidecar.store.DialectStores;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.util.concurrent.Callable;

/** {@code init-db --config FILE [--with-events-table]}: creates the tables, idempotently. */
@Command(name = "init-db", mixinStandardHelpOptions = true,
        description = "Creates the snapshots table (and the events table when asked); running it again changes nothing.")
final class InitDbCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Option(names = "--with-events-table", description = "Also create the events table, for a new event store.")
    boolean withEventsTable;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        SidecarConfig loaded = config.load();
        try (HikariDataSource pool = DialectStores.pool(loaded.database(), "init-db")) {
            DialectStores stores = DialectStores.of(loaded.database(), pool);
            SidecarConfig.Tables tables = loaded.database().tables();
            stores.schema().createSnapshotsTable();
            spec.commandLine().getOut().printf("snapshots table %s.%s is ready%n", tables.schema(), tables.snapshots());
            if (withEventsTable) {
                stores.schema().createEventsTable();
                spec.commandLine().getOut().printf("events table %s.%s is ready%n", tables.schema(), tables.events());
            }
        }
        return 0;
    }
}
