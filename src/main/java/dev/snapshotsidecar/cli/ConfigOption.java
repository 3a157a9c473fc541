package dev.snapshotsidecar.cli;

import dev.snapshotsidecar.config.ConfigLoader;
import dev.snapshotsidecar.config.SidecarConfig;
import dev.snapshotsidecar.fold.AggregatorRegistry;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** The {@code --config FILE} option shared by the commands that run against a deployment. */
final class ConfigOption {
    @Option(names = "--config", required = true, paramLabel = "FILE",
            description = "The sidecar's YAML configuration; SIDECAR_* environment variables override its keys.")
    Path file;

    SidecarConfig load() {
        return ConfigLoader.load(file, System.getenv(), dir -> AggregatorRegistry.load(dir).names());
    }
}
