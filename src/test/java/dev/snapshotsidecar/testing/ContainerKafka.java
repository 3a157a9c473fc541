package dev.snapshotsidecar.testing;

import dev.snapshotsidecar.testkit.RunningKafka;
import org.testcontainers.kafka.KafkaContainer;

/** Apache Kafka 4.x in KRaft mode in a container. Used only where a Docker engine exists. */
final class ContainerKafka implements RunningKafka {
    private final KafkaContainer container;

    private ContainerKafka(KafkaContainer container) {
        this.container = container;
    }

    static ContainerKafka start() {
        KafkaContainer container = new KafkaContainer("apache/kafka:4.1.0")
                .withEnv("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "1")
                .withEnv("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "1")
                .withEnv("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0");
        container.start();
        return new ContainerKafka(container);
    }

    @Override
    public String bootstrapServers() {
        return container.getBootstrapServers();
    }

    @Override
    public void close() {
        container.stop();
    }
}
