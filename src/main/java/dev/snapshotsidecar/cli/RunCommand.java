package dev.snapshotsidecar.cli;

import dev.snapshotsidecar.Sidecar;
import dev.snapshotsidecar.config.SidecarConfig;
import dev.snapshotsidecar.fold.AggregatorRegistry;
import dev.snapshotsidecar.observe.LogFormat;
import dev.snapshotsidecar.observe.SidecarMetrics;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code run --config FILE}: the sidecar, until SIGTERM. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Runs the sidecar: tracks stream heads from Debezium and builds due snapshots.")
final class RunCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Override
    public Integer call() throws InterruptedException {
        SidecarConfig loaded = config.load();
        LogFormat.apply(loaded.logFormat());
        AggregatorRegistry aggregators = AggregatorRegistry.load(loaded.pluginDirectory());
        CountDownLatch stopped = new CountDownLatch(1);
        Sidecar sidecar = Sidecar.start(loaded, aggregators, new SidecarMetrics(), Clock.systemUTC(),
                Duration.ofDays(365));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            sidecar.close();
            stopped.countDown();
        }, "sidecar-shutdown"));
        stopped.await();
        return 0;
    }
}
