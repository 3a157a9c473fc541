package dev.snapshotsidecar.track;

import org.apache.kafka.streams.StreamsConfig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * Properties of a {@code TopologyTestDriver}, with a state directory of its own: the default,
 * {@code /tmp/kafka-streams/<application id>}, is shared by every build on the machine, and two builds running the
 * same test at once (two worktrees) then delete each other's RocksDB files.
 */
final class DriverProperties {
    private DriverProperties() {
    }

    static Properties of(String applicationId) {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        try {
            // under target/, not the OS temp directory, which Kafka Streams warns may be cleared under it
            Path parent = Files.createDirectories(Path.of("target", "topology-tests"));
            props.put(StreamsConfig.STATE_DIR_CONFIG, Files.createTempDirectory(parent, applicationId + "-")
                    .toAbsolutePath().toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return props;
    }
}
