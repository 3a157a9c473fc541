package dev.snapshotsidecar.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A real Kafka broker ({@link KRaftBroker}) in this JVM for the demo and the integration tests, started in about
 * 4 s. {@link #close()} stops it and deletes its log directory.
 */
public final class EmbeddedKafka implements RunningKafka {
    private final KRaftBroker broker;
    private final Path directory;

    private EmbeddedKafka(KRaftBroker broker, Path directory) {
        this.broker = broker;
        this.directory = directory;
    }

    public static EmbeddedKafka start() {
        try {
            Path directory = Files.createTempDirectory("sidecar-kafka-");
            KRaftBroker broker = new KRaftBroker(directory);
            broker.start();
            return new EmbeddedKafka(broker, directory);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the embedded broker", e);
        }
    }

    @Override
    public String bootstrapServers() {
        return broker.bootstrapServers();
    }

    @Override
    public void close() {
        broker.close();
        Directories.delete(directory);
    }
}
