package dev.snapshotsidecar.testkit;

/** A Kafka broker the stack can use: the embedded one, or a container in tests where Docker exists. */
public interface RunningKafka extends AutoCloseable {
    String bootstrapServers();

    @Override
    void close();
}
