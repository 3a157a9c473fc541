package dev.snapshotsidecar.track;

import dev.snapshotsidecar.request.MessageSerdes;
import dev.snapshotsidecar.request.TrackerCommand;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.serialization.StringSerializer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/** Sends a {@link TrackerCommand} to every tracker task: one record on each partition of the commands topic. */
public final class TrackerCommands {
    private TrackerCommands() {
    }

    /** @return the number of partitions (tasks) the command went to */
    public static int broadcast(Map<String, String> clientProperties, String bootstrapServers, String topic,
                                TrackerCommand command) throws ExecutionException, InterruptedException {
        Properties props = new Properties();
        props.putAll(clientProperties);
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<String, TrackerCommand> producer = new KafkaProducer<>(props, new StringSerializer(),
                MessageSerdes.COMMAND)) {
            List<Future<?>> sent = new ArrayList<>();
            for (PartitionInfo partition : producer.partitionsFor(topic)) {
                sent.add(producer.send(new ProducerRecord<>(topic, partition.partition(), command.aggregateType(),
                        command)));
            }
            for (Future<?> f : sent) {
                f.get();
            }
            return sent.size();
        }
    }
}
