package dev.snapshotsidecar.fault;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads the whole dead-letter topic (read_committed: what a consumer of it would see) and matches it against the
 * garbage sent: a garbage record is seen when a dead letter names its topic, partition and offset in the
 * {@code sidecar.dlq.*} headers and carries its original value byte for byte.
 */
final class DeadLetters {
    /** One dead letter: its headers and value. */
    record Letter(String topic, String partition, String offset, String reason, byte[] value) {
    }

    /**
     * Expected and seen per topic role, and the dead letters that match no garbage (by topic header). A newer
     * version's well-formed message on the sidecar's own topics (an enumeration value this version does not know)
     * is not bad input: it must be tolerated, not dead-lettered; {@code tolerated} counts those sent and
     * {@code toleratedDeadLettered} those that were dead-lettered all the same.
     */
    record Matched(Map<String, Integer> expected, Map<String, Integer> seen, Map<String, Integer> unmatched,
                   List<String> missingExamples, int total, int tolerated, int toleratedDeadLettered) {
    }

    /** Whether a garbage record is a newer version's message the sidecar must tolerate rather than dead-letter. */
    static boolean tolerated(String role, Garbage.Sent garbage) {
        return garbage.kind().equals("future") && !role.equals("source");
    }

    private DeadLetters() {
    }

    static List<Letter> read(String bootstrapServers, String topic, Duration deadline) {
        List<Letter> letters = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
            if (infos == null || infos.isEmpty()) {
                return letters; // never created: nothing was dead-lettered
            }
            List<TopicPartition> partitions = infos.stream().map(i -> new TopicPartition(topic, i.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(30));
            long stop = System.nanoTime() + deadline.toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                if (System.nanoTime() > stop) {
                    throw new IllegalStateException("the dead-letter topic was not read to its end within " + deadline);
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    letters.add(new Letter(header(r, dev.snapshotsidecar.request.DeadLetters.TOPIC_HEADER), header(r, dev.snapshotsidecar.request.DeadLetters.PARTITION_HEADER),
                            header(r, dev.snapshotsidecar.request.DeadLetters.OFFSET_HEADER), header(r, dev.snapshotsidecar.request.DeadLetters.REASON_HEADER), r.value()));
                }
            }
        }
        return letters;
    }

    static Matched match(List<Garbage.Sent> sent, Map<String, String> topicsByRole, List<Letter> letters) {
        Map<String, String> roleByTopic = new TreeMap<>();
        topicsByRole.forEach((role, topic) -> roleByTopic.put(topic, role));
        Map<String, Integer> expected = new TreeMap<>();
        Map<String, Integer> seen = new TreeMap<>();
        Map<String, Integer> unmatched = new TreeMap<>();
        topicsByRole.keySet().forEach(role -> {
            expected.put(role, 0);
            seen.put(role, 0);
        });
        List<String> missing = new ArrayList<>();
        List<Letter> used = new ArrayList<>();
        int tolerated = 0;
        int toleratedDeadLettered = 0;
        for (Garbage.Sent g : sent) {
            String role = roleByTopic.get(g.topic());
            Letter match = letters.stream().filter(l -> l.topic().equals(g.topic())
                    && l.partition().equals(Integer.toString(g.partition()))
                    && l.offset().equals(Long.toString(g.offset())) && Arrays.equals(l.value(), g.value()))
                    .findFirst().orElse(null);
            if (tolerated(role, g)) {
                tolerated++;
                if (match != null) {
                    toleratedDeadLettered++;
                    used.add(match);
                }
                continue;
            }
            expected.merge(role, 1, Integer::sum);
            if (match != null) {
                seen.merge(role, 1, Integer::sum);
                used.add(match);
            } else if (missing.size() < 12) {
                missing.add(role + " " + g.kind() + " at " + g.topic() + "-" + g.partition() + "@" + g.offset());
            }
        }
        for (Letter l : letters) {
            if (!used.contains(l)) {
                unmatched.merge(roleByTopic.getOrDefault(l.topic(), l.topic().isEmpty() ? "(no header)" : l.topic()),
                        1, Integer::sum);
            }
        }
        return new Matched(expected, seen, unmatched, missing, letters.size(), tolerated, toleratedDeadLettered);
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? "" : new String(h.value(), StandardCharsets.UTF_8);
    }
}
