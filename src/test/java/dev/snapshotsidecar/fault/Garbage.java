package dev.snapshotsidecar.fault;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Garbage on every topic the sidecar reads: bytes that are not JSON, JSON of the wrong shape, and a well-formed
 * message of a newer version (a SnapshotResult whose outcome is "FROM_THE_FUTURE", and likewise per topic; on the
 * sidecar's own topics that one must be tolerated, not dead-lettered; on the source it lacks the version). Every
 * value carries a nonce, so its dead letter can be matched by its original bytes as well as by its coordinates.
 * Keys are real stream ids: a newer version would write about real streams. Not thread-safe; the test thread sends.
 */
final class Garbage {
    /** One garbage record as the broker stored it. */
    record Sent(String topic, int partition, long offset, String kind, byte[] value) {
    }

    private final FaultStack stack;
    private final Random random;
    private final List<Sent> sent = new ArrayList<>();

    Garbage(FaultStack stack, long seed) {
        this.stack = stack;
        this.random = new Random(seed);
    }

    List<Sent> sent() {
        return List.copyOf(sent);
    }

    /** The topics the sidecar reads, by the role the report names them with. */
    Map<String, String> topics() {
        return Map.of("source", FaultStack.SOURCE_TOPIC, "requests", stack.topic("requests"),
                "results", stack.topic("results"), "commands", stack.topic("commands"));
    }

    /** Sends three garbage records to each topic the sidecar reads; waits until the broker has each. */
    void sendRound(List<String> streamIds) {
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.broker.bootstrapServers()),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            for (Map.Entry<String, String> topic : new java.util.TreeMap<>(topics()).entrySet()) {
                String id = streamIds.get(random.nextInt(streamIds.size()));
                send(producer, topic.getValue(), id, "not-json", "\u0000\u00ffgarbage " + nonce() + " {");
                send(producer, topic.getValue(), id, "wrong-shape", "[" + nonce() + ",\"garbage\",{\"op\":7}]");
                send(producer, topic.getValue(), id, "future", future(topic.getKey(), id));
            }
        }
    }

    private String future(String role, String id) {
        String type = id.substring(0, id.indexOf('-'));
        return switch (role) {
            // a change event without the version column, as a changed table or connector might send
            case "source" -> "{\"before\":null,\"after\":{\"global_position\":" + nonce() + ",\"stream_id\":\"" + id
                    + "\"},\"op\":\"c\",\"source\":{\"snapshot\":\"false\"}}";
            case "requests" -> "{\"v\":3,\"streamId\":\"" + id + "\",\"aggregateType\":\"" + type
                    + "\",\"headVersion\":19,\"snapshotVersion\":-1,\"reason\":\"FROM_THE_FUTURE\",\"requestedAt\":"
                    + "\"2026-11-01T00:00:00Z\",\"partition\":0,\"incarnation\":" + nonce() + "}";
            case "results" -> "{\"v\":2,\"streamId\":\"" + id + "\",\"version\":19,\"outcome\":\"FROM_THE_FUTURE\","
                    + "\"detail\":\"written by a newer version\",\"buildMillis\":5,\"incarnation\":" + nonce() + "}";
            case "commands" -> "{\"v\":2,\"kind\":\"FROM_THE_FUTURE\",\"aggregateType\":\"" + type
                    + "\",\"requestedAt\":\"2026-11-01T00:00:00Z\",\"nonce\":" + nonce() + "}";
            default -> throw new IllegalArgumentException(role);
        };
    }

    private long nonce() {
        return random.nextLong() & Long.MAX_VALUE;
    }

    private void send(KafkaProducer<byte[], byte[]> producer, String topic, String key, String kind, String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        try {
            RecordMetadata m = producer.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), bytes))
                    .get(60, TimeUnit.SECONDS);
            sent.add(new Sent(topic, m.partition(), m.offset(), kind, bytes));
        } catch (Exception e) {
            throw new IllegalStateException("cannot send garbage to " + topic, e);
        }
    }
}
