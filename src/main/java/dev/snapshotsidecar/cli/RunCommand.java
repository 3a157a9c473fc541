package dev.snapshotsidecar.cli;

import dev.snapshotsidecar.runtime.Sidecar;
import dev.snapshotsidecar.config.SidecarConfig;
import dev.snapshotsidecar.fold.AggregatorRegistry;
import dev.snapshotsidecar.observe.LogFormat;
import dev.snapshotsidecar.observe.SidecarMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * {@code run --config FILE}: the sidecar, until SIGTERM or SIGINT. A stop that completes within
 * {@code shutdown.grace-period} exits 0; one that does not is logged and exits 1 ({@link StopSignals}).
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Runs the sidecar: tracks stream heads from Debezium and builds due snapshots. Stops on "
                + "SIGTERM or SIGINT: exit 0 when the stop completes within shutdown.grace-period, else 1.")
final class RunCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(RunCommand.class);

    @Mixin
    ConfigOption config;

    @Override
    public Integer call() throws InterruptedException {
        SidecarConfig loaded = config.load();
        LogFormat.apply(loaded.logFormat());
        AggregatorRegistry aggregators = AggregatorRegistry.load(loaded.pluginDirectory());
        StopSignals stop = StopSignals.install(loaded.shutdownGracePeriod());
        Sidecar sidecar;
        try {
            sidecar = stop.whileStarting(() -> Sidecar.start(loaded, aggregators, new SidecarMetrics(),
                    Clock.systemUTC(), Duration.ofDays(365)));
        } catch (RuntimeException e) {
            if (!stop.isRequested()) {
                throw e;
            }
            // the stop interrupted the start, which closed what it had opened: nothing is left to stop
            LOG.info("start-up ended by the stop: {}", e.getMessage());
            stop.stoppedDuringStartUp();
            return 0;
        }
        stop.awaitRequest();
        try {
            sidecar.close();
        } catch (RuntimeException e) {
            LOG.error("the sidecar did not stop cleanly: {}", e.toString(), e);
            return 1;
        }
        stop.stopped();
        return 0;
    }
}
